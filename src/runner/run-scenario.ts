import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoopStopReason } from '../load/arrival.js';
import { loadModelOf, runLoad } from '../load/load-model.js';
import { deriveSeed } from '../random/prng.js';
import type { Load, Scenario } from '../scenario/schema.js';
import { usdPrecise } from '../cost/money.js';
import type { SweepSummary } from '../analysis/sweep-verdict.js';
import type { RunSummary } from '../summary/run-summary.js';
import { summarizeRun } from '../summary/summarize-run.js';
import { TOOL } from '../version.js';
import { openRun, type RunContext, type RunDeps } from './run-context.js';
import { scenarioEcho } from './scenario-echo.js';
import { loadForStep, runSweep, sweepValues } from './sweep.js';
import { connectionCap } from './connection-cap.js';
import { trafficFor, type Traffic } from './traffic.js';
import { judgingOf } from '../analysis/thresholds.js';
import { shareCount } from '../scenario/share.js';
import { tightest } from '../client/clock-probe.js';
import { targetLabels } from '../metrics/recorder.js';
import { nextWholeMs, untilStopped } from './start-instant.js';
import { shardTag } from '../summary/shard-tag.js';
import type { RunOutput } from '../metrics/run-output.js';

const STOP_REASONS: Record<LoopStopReason, string> = {
  duration: 'duration reached',
  requests: 'request count reached',
  schedule: 'load schedule complete',
  interrupted: 'interrupted by signal',
  target_stopped: 'target stopped after refusals',
};

// The CLI aborts the stop signal with the signal's name as its reason: the summary says which.
function interruptedBy(stop: AbortSignal | undefined): string {
  return typeof stop?.reason === 'string' && /^SIG[A-Z]+$/.test(stop.reason) ? `interrupted by ${stop.reason}` : STOP_REASONS.interrupted;
}

/**
 * runScenario runs every target of a scenario in parallel, each driven by the scenario's load
 * model through its traffic strategy (paired, routed or failover), once or once per sweep level,
 * and returns the summary. It never writes files or prints: results leave through
 * `deps.outputs` (started when the load's start instant is known, stopped when its loops have
 * ended, before the summary) and the returned summary.
 */
export async function runScenario(s: Scenario, deps: RunDeps): Promise<RunSummary> {
  if (loadModelOf(s.load) === 'trace' && !deps.trace?.length) throw new Error('the trace load model needs the trace entries (deps.trace)');
  let run: RunContext;
  let traffic: Traffic;
  let loops: { reasons: LoopStopReason[]; sweep?: SweepSummary };
  try {
    run = await openRun(s, deps);
    traffic = trafficFor(run);
    loops = await runLoops(run, traffic);
  } finally {
    await stopOutputs(deps.outputs ?? []);
  }
  return summarize(run, traffic, loops.reasons, loops.sweep);
}

/**
 * stopOutputs stops every output once, in order, whether the run ended, failed, or never opened;
 * one that fails to stop does not keep the others open (the first failure is thrown after).
 */
export async function stopOutputs(outputs: readonly RunOutput[]): Promise<void> {
  const failures: unknown[] = [];
  for (const o of outputs)
    try {
      await o.stop?.();
    } catch (err) {
      failures.push(err);
    }
  if (failures.length) throw failures[0];
}

// runLoops starts the run's outputs and load on its start instant and drives every pass (one, or
// one per sweep level) until the loops end; then it stops what the run opened.
async function runLoops(run: RunContext, traffic: Traffic): Promise<{ reasons: LoopStopReason[]; sweep?: SweepSummary }> {
  const { scenario: s, deps } = run;
  let reasons: LoopStopReason[] = [];
  let sweep: SweepSummary | undefined;
  let anchored: Promise<void> | undefined;
  try {
    const startAtMs = await firstStart(run);
    run.timeline.startedAtMs = startAtMs;
    for (const o of run.outputs) o.start?.({ originEpochMs: run.clock.originEpochMs, startedAtMs: startAtMs });
    anchored = anchorAt(run, startAtMs);
    run.monitor.start();
    run.thresholdWatch.start();
    // The first pass starts on the run's start; each later one (a sweep's next level) on its own instant.
    let next: number | null = startAtMs;
    const pass = (load: Load, step: string, sweepValue: number | null) => {
      const at = next ?? nextWholeMs(run.clock);
      next = null;
      return runPass(run, traffic, load, step, sweepValue, at);
    };
    if (s.sweep) ({ reasons, summary: sweep } = await runSweep(s, s.sweep, pass, run.recorder, run.stop, deps.onStep));
    else reasons = await pass(s.load, '', null);
  } finally {
    run.thresholdWatch.stop();
    await anchored;
    await traffic.close();
    await run.close();
  }
  return sweep ? { reasons, sweep } : { reasons };
}

// firstStart is the instant the run's load starts on: the one deps.startAt gives (worker threads
// of a run share their parent's), else the next whole millisecond. A stop while waiting for it
// starts at once, and the loops end as they begin.
async function firstStart(run: RunContext): Promise<number> {
  const agreed = run.deps.startAt ? await untilStopped(run.deps.startAt(), run.stop) : null;
  return agreed ?? nextWholeMs(run.clock);
}

// anchorAt restarts the embedded mocks' fault schedules when the load starts.
async function anchorAt(run: RunContext, atMs: number): Promise<void> {
  await sleep(Math.max(0, atMs - run.clock.now()), undefined, { signal: run.stop }).catch(() => undefined);
  await run.anchorMocks();
}

// runPass drives every stream of the traffic at one load level until its loops stop, all starting
// on one instant (every target, and every worker thread of the run for the first pass).
function runPass(
  run: RunContext,
  traffic: Traffic,
  load: Load,
  step: string,
  sweepValue: number | null,
  startAtMs: number,
): Promise<LoopStopReason[]> {
  // Every target reports, even one that never answered.
  for (const t of run.targets) run.recorder.declare(targetLabels(t.endpoint, step));
  const traceOffsetsMs = run.deps.trace?.map((e) => e.offsetMs);
  const ended = new AbortController();
  setMaxListeners(0, ended.signal); // every conversation in progress listens to it
  const streams = traffic.streams(load, step, sweepValue, { openLoop: loadModelOf(load) !== 'closed', ended: ended.signal });
  const share = run.deps.share;
  const maxConnections =
    load.maxConnections === undefined || !share ? load.maxConnections : Math.max(1, shareCount(load.maxConnections, share));
  const cap = connectionCap(
    run.deps.fileDescriptorLimit,
    streams.map((st) => st.descriptorsPerRequest),
    maxConnections,
  );
  const seed = deriveSeed(run.scenario.seed, 'arrivals');
  return Promise.all(
    streams.map((stream) =>
      runLoad({
        ...(cap !== undefined ? { connectionCap: cap } : {}),
        load,
        ...(traceOffsetsMs ? { traceOffsetsMs } : {}),
        // The same for every stream, so Poisson arrival times are paired too.
        seed,
        clock: run.clock,
        startAtMs,
        stop: run.stop,
        concurrency: stream.concurrency,
        ...(share ? { share } : {}),
        issue: stream.issue,
        onDropped: stream.onDropped,
        pacing: {
          gate: stream.gate,
          errorBackoffMs: load.errorBackoff,
          seed: deriveSeed(seed, 'backoff'),
          onBackoff: stream.onBackoff,
          onScheduleEnd: () => {
            run.timeline.scheduleEndedAtMs = Math.max(run.timeline.scheduleEndedAtMs ?? 0, run.clock.now());
            ended.abort();
          },
        },
      }),
    ),
  );
}

// The model the run's load ran in: a sweep over rate runs every level as an open loop, over
// concurrency as a closed one, whatever the base load block is.
export function runLoadModel(s: Scenario): RunSummary['loadModel'] {
  return loadModelOf(s.sweep ? loadForStep(s.load, s.sweep, sweepValues(s.sweep)[0]!) : s.load);
}

// summarize closes the run into summary.json's document: why and how it ended, and every group.
function summarize(run: RunContext, traffic: Traffic, reasons: LoopStopReason[], sweep: SweepSummary | undefined): RunSummary {
  const { scenario: s, deps, clock, guard } = run;
  const generator = run.monitor.stop(run.recorder.dispatchLag());
  const endedAtMs = clock.now();
  const budgetStopped = run.budgetStop.signal.aborted;
  const breach = run.thresholdWatch.breach;
  const interrupted = !budgetStopped && !breach && (run.stop.aborted || reasons.includes('interrupted'));
  const { startedAtMs, scheduleEndedAtMs } = run.timeline;
  const startedAt = new Date(clock.originEpochMs + startedAtMs).toISOString();
  return summarizeRun(run.recorder, {
    tool: TOOL,
    runId: deps.runId,
    startedAt,
    endedAt: new Date(clock.originEpochMs + endedAtMs).toISOString(),
    durationMs: endedAtMs - startedAtMs,
    status: budgetStopped ? 'budget' : breach ? 'threshold' : interrupted ? 'interrupted' : 'completed',
    stopReason: budgetStopped
      ? guard!.stopReason
      : breach
        ? breachReason(breach)
        : interrupted
          ? interruptedBy(deps.stop)
          : [...new Set(reasons)].map((r) => STOP_REASONS[r]).join(', '),
    ...(deps.pricing ? { pricing: deps.pricing } : {}),
    ...judgingOf(s),
    ...(breach ? { abortedBy: breach } : {}),
    ...(guard
      ? {
          budget: {
            stopped: budgetStopped,
            reason: guard.stopReason,
            spentUsd: usdPrecise(guard.spent),
            requests: guard.requests,
            tokens: guard.tokens,
          },
        }
      : {}),
    loadModel: runLoadModel(s),
    scheduleEndedAtMs,
    scenario: scenarioEcho(s),
    generator,
    ...(sweep ? { sweep } : {}),
    ...(traffic.failover ? { failover: traffic.failover() } : {}),
    traffic: traffic.note,
    clock: { originEpochMs: clock.originEpochMs, offset: tightest(run.targets.map((t) => t.clockProbe.estimate())) },
    ...(deps.shard ? { shard: shardTag(deps.shard, startedAt) } : {}),
  });
}

function breachReason(b: NonNullable<RunSummary['thresholds']>['abortedBy'] & object): string {
  const actual = b.beyondSuccesses
    ? '> max: among the failures'
    : b.actual === null
      ? 'no data'
      : b.unit === 'ms'
        ? `${b.actual}ms`
        : b.unit === 'share'
          ? `${(b.actual * 100).toPrecision(3)}%`
          : String(b.actual);
  return `threshold ${b.threshold} breached on ${b.on} (${actual}) at ${(b.atMs / 1000).toFixed(1)} s (abortOnFail)`;
}
