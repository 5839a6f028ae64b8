import { setMaxListeners } from 'node:events';
import { chatClient, type Hit } from '../client/chat-client.js';
import { transport, type Transport } from '../client/transport.js';
import type { LoopStopReason } from '../load/arrival.js';
import { loadModelOf, runLoad } from '../load/load-model.js';
import { loadForStep, sweepValues } from './sweep.js';
import { evaluateSweepStep, kneeOf, type SweepSummary } from '../analysis/sweep-verdict.js';
import { parseThresholds } from '../scenario/threshold.js';
import type { Load } from '../scenario/schema.js';
import { monotonicClock, type Clock } from '../metrics/clock.js';
import { GeneratorMonitor } from '../metrics/generator-health.js';
import { Recorder } from '../metrics/recorder.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { RunSummary } from '../summary/run-summary.js';
import { summarizeRun } from '../summary/summarize-run.js';
import { deriveSeed, prng } from '../random/prng.js';
import type { Scenario } from '../scenario/schema.js';
import { conversationSource, type Conversation } from '../workload/request-source.js';
import { weightedPicker } from '../workload/mix.js';
import type { DatasetEntry } from '../workload/dataset.js';
import type { Arrival } from '../load/arrival.js';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { BudgetGuard } from '../cost/budget-guard.js';
import { assembleRoutes } from '../failover/routes.js';
import type { Catalog } from '../cost/catalog.js';
import { usdPrecise } from '../cost/money.js';
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
  /** Dataset entries by workload name, loaded by the caller. */
  datasets?: ReadonlyMap<string, readonly DatasetEntry[]>;
  /** Receives every result (warmup included) as it completes, e.g. the requests.csv writer. */
  onResult?: (r: RequestResult) => void;
  /** Prices for the run's cost, decision table and budget guard. */
  pricing?: Catalog;
  /** Run every target on the embedded mock (its `mock:` block, or a default profile) instead of its real endpoint. */
  useMock?: boolean;
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

  // A hard stop also ends the load loops (a run that only aborted in-flight requests would spin
  // issuing requests that fail at once), and so does reaching the budget.
  const budgetStop = new AbortController();
  const stop = AbortSignal.any([deps.stop ?? new AbortController().signal, ...(deps.hardStop ? [deps.hardStop] : []), budgetStop.signal]);
  const guard = s.budget ? new BudgetGuard(s.budget, deps.pricing) : null;
  const model = loadModelOf(s.load);
  if (model === 'trace' && !deps.trace?.length) throw new Error('the trace load model needs the trace entries (deps.trace)');
  const { endpoints, mocks } = await resolveEndpoints(s, deps.env, deps.startMock, deps.useMock ?? false);
  // The run's clock starts once its mocks are up, and their fault schedules with it, so a fault
  // window `from: 10s` is 10 s into the run's own time line.
  const clock = deps.clock ?? monotonicClock();
  await Promise.all(mocks.map((m) => m.anchor()));
  const pool = deps.transport ?? transport({ connectTimeoutMs: s.timeouts.connect, connection: s.connection });
  const recorder = new Recorder({ byWorkload: s.workloads.length > 1, byTurn: s.workloads.some((w) => w.turns > 1) });
  const monitor = new GeneratorMonitor();
  const tok = tokenizer(s.workloads[0]!.encoding);
  const traceOffsets = deps.trace?.map((e) => e.offsetMs);
  let nextId = 0;
  const startedAtMs = clock.now();
  const startedAt = new Date(clock.originEpochMs + startedAtMs).toISOString();

  // One source per traffic stream (each walks its arrivals in order), all from the same seed.
  const sourceFor = () => conversationSource(s.workloads, s.seed, { ...(deps.trace ? { trace: deps.trace } : {}), ...(deps.datasets ? { datasets: deps.datasets } : {}) });

  // runConversation sends one arrival's turns in order; turn k waits for the reply to turn k−1 and
  // the think time, and is scheduled when it could first go. A failed turn ends the conversation
  // (a user does not continue a chat that errored).
  const runConversation = async (hit: Hit, a: Arrival, conv: Conversation, step: string, model: string) => {
    const replies: string[] = [];
    for (let k = 0; k < conv.turns; k++) {
      let scheduledAtMs = a.scheduledAtMs;
      let queuedMs = a.queuedMs;
      if (k > 0) {
        const think = conv.thinkTimeMs(k);
        const due = clock.now() + think;
        if (think > 0) await sleep(think, undefined, { signal: stop }).catch(() => undefined);
        // Timers can wake a fraction of a millisecond early; the next turn never goes before its time.
        while (!stop.aborted && clock.now() < due) await yieldToLoop();
        if (stop.aborted) return;
        scheduledAtMs = clock.now();
        queuedMs = 0;
      }
      let reply = '';
      const spec = conv.turn(k, replies);
      const reservation = guard ? guard.reserve(model, spec.inputTokensCounted, spec.maxTokens) : null;
      if (guard && !reservation) {
        budgetStop.abort(); // the next request could cross a cap: stop cleanly before it
        return;
      }
      const r = await hit({ id: nextId++, step, phase: a.phase, scheduledAtMs, queuedMs, ...spec, onReply: (t) => (reply = t) });
      if (reservation) guard!.settle(reservation, r.attempt === 0 ? takeAttempts() : [r]);
      recorder.add(r);
      deps.onResult?.(r);
      if (r.errorKind !== null) return;
      replies.push(reply);
    }
  };

  const clientFor = (i: number): Hit =>
    chatClient(endpoints[i]!, {
      transport: pool,
      clock,
      tokenizer: tok,
      firstTokenTimeoutMs: s.timeouts.firstToken,
      totalTimeoutMs: s.timeouts.total,
      ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
    });

  // One client per target for the whole run (each listens once to the hard stop; a run of many
  // targets legitimately has many listeners on that one signal).
  if (deps.hardStop) setMaxListeners(0, deps.hardStop);
  const hits = s.targets.map((_, i) => clientFor(i));

  // Attempts of routed requests not yet settled with the budget guard. Whichever request settles
  // next takes them all: each attempt is counted once, which is all the guard's total needs.
  const attemptsByCall: RequestResult[] = [];
  const takeAttempts = (): RequestResult[] => attemptsByCall.splice(0, attemptsByCall.length);
  // Failover routes, composed around clients of their hops; their attempts are recorded here.
  const drill = assembleRoutes(s, endpoints, {
    pool,
    clock,
    tokenizer: tok,
    stop,
    ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
    ...(deps.pricing ? { pricing: deps.pricing } : {}),
    nextId: () => nextId++,
    onAttempt: (r) => {
      if (guard) attemptsByCall.push(r);
      recorder.add(r);
      deps.onResult?.(r);
    },
  });
  const routeState = drill.routes;

  // One pass with a given load; a sweep makes one pass per level.
  const pass = (load: Load, step: string, sweepValue: number | null): Promise<LoopStopReason[]> => {
    const labels = endpoints.map((ep) => ({ ...ep, step }));
    labels.forEach((l) => recorder.declare(l));
    const common = { load, ...(traceOffsets ? { traceOffsetsMs: traceOffsets } : {}), seed: deriveSeed(s.seed, 'arrivals'), clock, stop };
    if (routeState.length) {
      // With failover routes, the load drives the routes (each gets the full load, paired).
      return Promise.all(
        routeState.map((rs) => {
          recorder.declareRoute(rs.route.name, step);
          const source = sourceFor();
          let seq = 0;
          return runLoad({
            ...common,
            concurrency: load.concurrency,
            issue: (a) => runConversation(rs.hit, a, source.at(seq++), step, rs.reserveModel),
            onDropped: (phase, scheduledAtMs) => {
              seq++;
              recorder.addDropped({ target: rs.route.name, region: '', provider: 'route', model: '', step }, phase, scheduledAtMs);
            },
          });
        }),
      );
    }
    if (s.routing) {
      // One stream, split across targets by weight: arrival n goes where the seeded draw for n says.
      const routes = s.routing.map((r) => s.targets.findIndex((t) => t.name === r.target));
      const pick = weightedPicker(s.routing.map((r) => r.weight));
      const routeSeed = deriveSeed(s.seed, 'routing');
      const route = (seq: number) => routes[pick(prng(deriveSeed(routeSeed, String(seq))))]!;
      const source = sourceFor();
      let seq = 0;
      return runLoad({
        ...common,
        concurrency: sweepValue ?? load.concurrency,
        issue: (a) => {
          const n = seq++;
          const i = route(n);
          return runConversation(hits[i]!, a, source.at(n), step, s.targets[i]!.model);
        },
        onDropped: (phase, scheduledAtMs) => recorder.addDropped(labels[route(seq++)]!, phase, scheduledAtMs),
      }).then((r) => [r]);
    }
    return Promise.all(
      s.targets.map((t, i) => {
        // Every target walks the same sequence from 0: its n-th conversation is every other target's n-th.
        const source = sourceFor();
        let seq = 0;
        return runLoad({
          ...common,
          concurrency: s.sweep?.over === 'concurrency' && sweepValue !== null ? sweepValue : (t.concurrency ?? load.concurrency),
          issue: (a) => runConversation(hits[i]!, a, source.at(seq++), step, t.model),
          onDropped: (phase, scheduledAtMs) => {
            seq++; // the dropped arrival's conversation is skipped, keeping targets paired
            recorder.addDropped(labels[i]!, phase, scheduledAtMs);
          },
        });
      }),
    );
  };

  monitor.start();
  const reasons: LoopStopReason[] = [];
  let sweepSummary: SweepSummary | undefined;
  try {
    if (!s.sweep) {
      reasons.push(...(await pass(s.load, '', null)));
    } else {
      const slo = parseThresholds(s.sweep.slo);
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
    await drill.close();
    await Promise.all([...mocks.map((m) => m.close()), deps.transport ? Promise.resolve() : pool.close()]);
  }
  const generator = monitor.stop(recorder.dispatchLag());
  const endedAtMs = clock.now();
  const budgetStopped = budgetStop.signal.aborted;
  const interrupted = !budgetStopped && (stop.aborted || reasons.includes('interrupted'));
  return summarizeRun(recorder, {
    tool: TOOL,
    runId: deps.runId,
    startedAt,
    endedAt: new Date(clock.originEpochMs + endedAtMs).toISOString(),
    durationMs: endedAtMs - startedAtMs,
    status: budgetStopped ? 'budget' : interrupted ? 'interrupted' : 'completed',
    stopReason: budgetStopped ? guard!.stopReason : interrupted ? STOP_REASONS.interrupted : [...new Set(reasons)].map((r) => STOP_REASONS[r]).join(', '),
    ...(deps.pricing ? { pricing: deps.pricing } : {}),
    ...(s.slo ? { slo: s.slo } : {}),
    ...(guard ? { budget: { stopped: budgetStopped, reason: guard.stopReason, spentUsd: usdPrecise(guard.spent), requests: guard.requests, tokens: guard.tokens } } : {}),
    loadModel: model,
    scenario: scenarioEcho(s),
    generator,
    ...(sweepSummary ? { sweep: sweepSummary } : {}),
    ...(routeState.length ? { failover: drill.summary() } : {}),
    traffic: s.routing
      ? {
          mode: 'routed',
          seed: s.seed,
          note: `routed: one traffic stream split across targets by weight (${s.routing.map((r) => `${r.target} ${r.weight}`).join(', ')}); each request went to one target, so targets are not paired.`,
        }
      : {
          mode: 'paired',
          seed: s.seed,
          note: `paired: every target received the full load and the same sequence of prompts (seed ${s.seed}), so differences are the targets', not the traffic's.`,
        },
  });
}
