import { BudgetGuard } from '../cost/budget-guard.js';
import type { Catalog } from '../cost/catalog.js';
import { usdPrecise } from '../cost/money.js';
import { Progress, type ProgressPlan, type SpendMeter } from '../output/progress.js';
import type { Plan } from '../runner/plan.js';
import { DEFAULT_CONFIRM_ABOVE_USD, type Scenario } from '../scenario/schema.js';
import type { Io } from './io.js';

/** PROGRESS_EVERY_ENV overrides how often the progress shows (ms): for tests only, which cannot wait 5 s a line. */
export const PROGRESS_EVERY_ENV = 'BAKEOFF_PROGRESS_EVERY_MS';

/** ProgressRun is what the progress needs to know of the run: its scenario, plan, prices and whether it may cost money. */
export interface ProgressRun {
  scenario: Scenario;
  plan: Plan;
  pricing: Catalog | undefined;
  /** The run's estimated cost (USD): above 0, or with a budget.maxUsd, the progress shows the spend. */
  estimateUsd: number;
  /** A shard runs part of the load: its plan in requests is not this process's. */
  sharded: boolean;
}

/**
 * progressOutput is the run's live progress on stderr: a block redrawn every second on a terminal, a plain line every
 * 5 s otherwise, with the plan to show elapsed against and the spend when the run may cost money.
 */
export function progressOutput(run: ProgressRun, io: Io): Progress {
  const every = Number(io.env[PROGRESS_EVERY_ENV]);
  const everyMs = Number.isFinite(every) && every > 0 ? every : io.isTty ? 1000 : 5000;
  const s = run.scenario;
  const maxUsd = s.budget?.maxUsd;
  const costs = run.estimateUsd > 0 || maxUsd !== undefined;
  return new Progress(
    { show: (text) => io.progress(text), clear: () => io.clearProgress(), everyMs, redraws: io.isTty },
    {
      targets: s.targets.map((t) => t.name),
      plan: plannedOf(run),
      // The budget guard's own rule for what a result billed, at the price of its minute; its caps are not applied here.
      ...(costs ? { spend: (originEpochMs: number) => spendMeter(s, run.pricing, originEpochMs, maxUsd) } : {}),
    },
  );
}

function spendMeter(s: Scenario, pricing: Catalog | undefined, originEpochMs: number, maxUsd: number | undefined): SpendMeter {
  const guard = new BudgetGuard(s.budget ?? { confirmAboveUsd: DEFAULT_CONFIRM_ABOVE_USD }, pricing, originEpochMs);
  return {
    charge: (r) => guard.charge(r),
    spentUsd: () => usdPrecise(guard.spent),
    ...(maxUsd !== undefined ? { maxUsd } : {}),
  };
}

// What the run is planned to take: its length when the load has one (warmup included), else its measured requests when
// they are known exactly; nothing for a sweep or a trace (their length is the levels' or the file's).
function plannedOf(run: ProgressRun): ProgressPlan {
  const l = run.scenario.load;
  if (run.scenario.sweep || l.trace) return {};
  const warmupMs = l.warmup && 'durationMs' in l.warmup ? l.warmup.durationMs : 0;
  const loadMs = l.stages ? l.stages.reduce((t, st) => t + st.duration, 0) : l.duration;
  if (loadMs !== undefined && !(l.warmup && 'requests' in l.warmup)) return { durationMs: warmupMs + loadMs };
  const streams = run.plan.routes ?? run.plan.targets;
  if (run.sharded || !streams.every((t) => t.exact && t.expectedRequests !== null)) return {};
  return { requests: streams.reduce((n, t) => n + t.expectedRequests!, 0) };
}
