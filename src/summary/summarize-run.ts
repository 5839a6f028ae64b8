import type { GroupAccumulator, Recorder } from '../metrics/recorder.js';
import { summarizeGroup } from '../metrics/group-summary.js';
import type { GeneratorHealth } from '../metrics/generator-health.js';
import type { Catalog } from '../cost/catalog.js';
import { groupCost } from '../cost/run-cost.js';
import type { Measurement, RunGroupSummary, RunSummary } from './run-summary.js';
import { assembleSummary, type Measured, type SummaryMeta } from './assemble-summary.js';
import { assessValidity } from './validity.js';
import { roundTo } from '../scenario/decimals.js';

/** RunMeta is what a summary needs beyond the recorder: labels and times of the run, what it is judged by. */
export interface RunMeta extends Omit<SummaryMeta, 'pricing'> {
  generator: GeneratorHealth;
  /** Prices for the cost of the run (groups are priced by their model). */
  pricing?: Catalog;
  /** When the load's schedule ended because its time was up, if it did (run clock, ms). */
  scheduleEndedAtMs?: number | null;
}

/** summarizeRun closes a recorder into the summary.json document (vegeta's Metrics.Close). */
export function summarizeRun(recorder: Recorder, meta: RunMeta): RunSummary {
  return assembleSummary(meta, measuredBy(recorder, meta));
}

// measuredBy closes each group of the recorder (priced by the catalog) and takes the run's
// figures over them: validity, the measured window, the generator's health with its burst warning.
function measuredBy(recorder: Recorder, meta: RunMeta): Measured {
  const closedLoop = meta.loadModel === 'closed';
  const accumulators = [...recorder.groups.values()];
  const groups = accumulators.map((g) => withCost(summarizeGroup(g, { timeseries: true, closedLoop }), g, meta.pricing));
  return {
    groups,
    validity: assessValidity(accumulators, meta.generator),
    measurement: measurement(accumulators, meta.scheduleEndedAtMs ?? null),
    warmupRequests: recorder.warmupRequests,
    generator: withBurstWarnings(meta.generator, groups),
  };
}

// measurement words what the window covers: the schedule's end, the drain after it, and the
// conversations the end cut short (on the groups that carry the load: routes, else targets).
function measurement(groups: readonly GroupAccumulator[], scheduleEndedAtMs: number | null): Measurement {
  const routes = groups.filter((g) => g.scope === 'route');
  const streams = routes.length ? routes : groups.filter((g) => g.scope === 'target');
  const ends = streams.map((g) => g.windowEndMs).filter(Number.isFinite);
  const lastEndedAtMs = ends.length ? roundTo(Math.max(...ends), 3) : null;
  const cutShort = streams.reduce((n, g) => n + g.cutShort, 0);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const parts: string[] = [];
  if (scheduleEndedAtMs !== null) {
    parts.push(`the load scheduled arrivals until ${s(scheduleEndedAtMs)}`);
    if (lastEndedAtMs !== null && lastEndedAtMs > scheduleEndedAtMs) parts.push(`requests in flight then ran until ${s(lastEndedAtMs)}`);
    parts.push(
      cutShort
        ? `${cutShort} conversation${cutShort === 1 ? ' was' : 's were'} cut short (no new turn starts after the schedule ends)`
        : 'no conversation was cut short',
    );
  } else if (lastEndedAtMs !== null) parts.push(`the last measured request ended at ${s(lastEndedAtMs)}`);
  return {
    scheduleEndedAtMs: scheduleEndedAtMs === null ? null : roundTo(scheduleEndedAtMs, 3),
    lastEndedAtMs,
    conversationsCutShort: cutShort,
    note: parts.join('; '),
  };
}

// Target groups are priced by their model; route groups add up their hops' cost elsewhere.
function withCost(s: RunGroupSummary, g: GroupAccumulator, catalog?: Catalog): RunGroupSummary {
  if (!catalog || g.scope === 'route') return s;
  return { ...s, cost: groupCost(g.labels.model, g.billedByMinute, g.requests, g.ok, g.outputTokens, catalog) };
}

/** BURST_SHARE is the share of untimed (coalesced) token gaps above which a target's ITL is flagged. */
export const BURST_SHARE = 0.1;
// Below this many gaps a share says little: a handful of short replies.
const BURST_MIN_GAPS = 50;

// withBurstWarnings adds a warning per target or route whose tokens came in bursts: their gaps
// were not timed, so ITL describes only the rest. It does not mark the generator saturated: a
// server that writes several tokens at once causes the same, and the read timing cannot tell.
function withBurstWarnings(health: GeneratorHealth, groups: readonly RunGroupSummary[]): GeneratorHealth {
  const bursty = groups.filter(
    (g) =>
      (g.scope === 'target' || g.scope === 'route') &&
      g.itlCoalesced.share !== null &&
      g.itlCoalesced.share > BURST_SHARE &&
      g.itlCoalesced.gaps + g.metrics.itl.count >= BURST_MIN_GAPS,
  );
  if (!bursty.length) return health;
  const words = bursty.map((g) => `${g.key} ${(g.itlCoalesced.share! * 100).toFixed(1)}%`).join(', ');
  return {
    ...health,
    warnings: [
      ...health.warnings,
      `the client read many tokens in bursts (several in one socket read: ${words} of token gaps): ` +
        'those gaps were not timed and are left out of ITL, which describes only the rest (TPOT covers every token); ' +
        'if the server sends tokens one at a time, the generator read late: lower the load or split it across processes',
    ],
  };
}
