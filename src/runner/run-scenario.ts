import { chatClient, type Hit } from '../client/chat-client.js';
import { openaiChat } from '../client/openai-chat.js';
import { transport, type Transport } from '../client/transport.js';
import type { LoopStopReason } from '../load/arrival.js';
import { loadModelOf, runLoad } from '../load/load-model.js';
import { loadForStep, sweepValues } from '../load/sweep.js';
import { evaluateSweepStep, kneeOf, type SweepSummary } from '../analysis/sweep-verdict.js';
import { parseThreshold, type Threshold } from '../analysis/thresholds.js';
import type { Load } from '../scenario/schema.js';
import { monotonicClock, type Clock } from '../metrics/clock.js';
import { GeneratorMonitor } from '../metrics/generator-health.js';
import { Recorder } from '../metrics/recorder.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { RunSummary } from '../metrics/run-summary.js';
import { summarizeRun } from '../metrics/summarize.js';
import { deriveSeed } from '../random/prng.js';
import type { Scenario } from '../scenario/schema.js';
import { requestSource, traceSource } from '../workload/request-source.js';
import { tokenizer } from '../workload/tokenizer.js';
import type { TraceEntry } from '../workload/trace.js';
import { resolveEndpoints, type StartMock } from './endpoints.js';
import { scenarioEcho } from './scenario-echo.js';
import { TOOL } from '../version.js';

/** RunDeps are the effects a run needs; the CLI supplies real ones, tests their own. */
export interface RunDeps {
  runId: string;
  env: Readonly<Record<string, string | undefined>>;
  startMock: StartMock;
  /** The trace's entries, loaded by the caller (trace load model only). */
  trace?: readonly TraceEntry[];
  /** Receives every result (warmup included) as it completes, e.g. the requests.csv writer. */
  onResult?: (r: RequestResult) => void;
  /** Told when a sweep starts a new level (e.g. "rate=20"). */
  onStep?: (step: string) => void;
  /** Graceful stop (first Ctrl-C): no new requests, in-flight ones finish. */
  stop?: AbortSignal;
  /** Hard stop (second Ctrl-C): in-flight requests are aborted and recorded as `aborted`. */
  hardStop?: AbortSignal;
  clock?: Clock;
  transport?: Transport;
}

const STOP_REASONS: Record<LoopStopReason, string> = {
  duration: 'duration reached',
  requests: 'request count reached',
  schedule: 'load schedule complete',
  interrupted: 'interrupted by signal',
};

/**
 * runScenario runs every target of a scenario in parallel, each driven by the scenario's load
 * model, and returns the summary. It never writes files or prints: results leave through
 * `onResult` and the returned summary.
 */
export async function runScenario(s: Scenario, deps: RunDeps): Promise<RunSummary> {
  const clock = deps.clock ?? monotonicClock();
  // A hard stop also ends the load loops: a run that only aborts in-flight requests would spin
  // issuing requests that fail at once.
  const stop = deps.hardStop ? AbortSignal.any([deps.stop ?? new AbortController().signal, deps.hardStop]) : (deps.stop ?? new AbortController().signal);
  const model = loadModelOf(s.load);
  if (model === 'trace' && !deps.trace?.length) throw new Error('the trace load model needs the trace entries (deps.trace)');
  const { endpoints, mocks } = await resolveEndpoints(s, deps.env, deps.startMock);
  const pool = deps.transport ?? transport({ connectTimeoutMs: s.timeouts.connect, connection: s.connection });
  const recorder = new Recorder();
  const monitor = new GeneratorMonitor();
  const tok = tokenizer(s.workload.encoding);
  const traceOffsets = deps.trace?.map((e) => e.offsetMs);
  let nextId = 0;
  const startedAtMs = clock.now();
  const startedAt = new Date(clock.originEpochMs + startedAtMs).toISOString();

  // One pass over the targets with a given load; a sweep makes one pass per level.
  const pass = (load: Load, step: string, sweepValue: number | null) =>
    Promise.all(
      s.targets.map((t, i) => {
        const ep = endpoints[i]!;
        const labels = { ...ep, step };
        recorder.declare(labels);
        const hit: Hit = chatClient(ep, {
          transport: pool,
          clock,
          tokenizer: tok,
          adapter: openaiChat,
          firstTokenTimeoutMs: s.timeouts.firstToken,
          totalTimeoutMs: s.timeouts.total,
          ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
        });
        // Every target gets the same sources and seeds: its n-th request is every other target's n-th.
        const source = deps.trace ? traceSource(deps.trace, s.workload, s.seed) : requestSource(s.workload, s.seed);
        let seq = 0;
        return runLoad({
          load,
          concurrency: s.sweep?.over === 'concurrency' && sweepValue !== null ? sweepValue : (t.concurrency ?? load.concurrency),
          ...(traceOffsets ? { traceOffsetsMs: traceOffsets } : {}),
          seed: deriveSeed(s.seed, 'arrivals'),
          clock,
          stop,
          issue: async (a) => {
            const spec = source.at(seq++);
            const r = await hit({ id: nextId++, step, ...a, ...spec });
            recorder.add(r);
            deps.onResult?.(r);
          },
          onDropped: (phase, scheduledAtMs) => {
            seq++; // the dropped arrival's request is skipped, keeping targets paired
            recorder.addDropped(labels, phase, scheduledAtMs);
          },
        });
      }),
    );

  monitor.start();
  const reasons: LoopStopReason[] = [];
  let sweepSummary: SweepSummary | undefined;
  try {
    if (!s.sweep) {
      reasons.push(...(await pass(s.load, '', null)));
    } else {
      const slo = s.sweep.slo.map((t) => parseThreshold(t) as Threshold);
      sweepSummary = { over: s.sweep.over, slo: s.sweep.slo, steps: [], knee: [] };
      for (const value of sweepValues(s.sweep)) {
        if (stop.aborted) break;
        const step = `${s.sweep.over}=${value}`;
        deps.onStep?.(step);
        reasons.push(...(await pass(loadForStep(s.load, s.sweep, value), step, value)));
        const verdict = evaluateSweepStep(recorder, s.targets.map((t) => t.name), step, value, slo);
        sweepSummary.steps.push(verdict);
        if (s.sweep.stopAfterKnee && verdict.targets.every((t) => !t.pass)) break;
      }
      sweepSummary.knee = kneeOf(sweepSummary.steps, s.targets.map((t) => t.name));
    }
  } finally {
    await Promise.all([...mocks.map((m) => m.close()), deps.transport ? Promise.resolve() : pool.close()]);
  }
  const generator = monitor.stop(recorder.dispatchLag());
  const endedAtMs = clock.now();
  const interrupted = stop.aborted || reasons.includes('interrupted');
  return summarizeRun(recorder, {
    tool: TOOL,
    runId: deps.runId,
    startedAt,
    endedAt: new Date(clock.originEpochMs + endedAtMs).toISOString(),
    durationMs: endedAtMs - startedAtMs,
    status: interrupted ? 'interrupted' : 'completed',
    stopReason: interrupted ? STOP_REASONS.interrupted : [...new Set(reasons)].map((r) => STOP_REASONS[r]).join(', '),
    loadModel: model,
    scenario: scenarioEcho(s),
    generator,
    ...(sweepSummary ? { sweep: sweepSummary } : {}),
  });
}
