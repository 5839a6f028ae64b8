import { setMaxListeners } from 'node:events';
import { chatClient, type Endpoint, type Hit } from '../client/chat-client.js';
import { ClockProbe } from '../client/clock-probe.js';
import { countedInFlight } from '../client/in-flight.js';
import { transport, type Transport } from '../client/transport.js';
import { BudgetGuard } from '../cost/budget-guard.js';
import type { Catalog } from '../cost/catalog.js';
import { monotonicClock, type Clock } from '../metrics/clock.js';
import { GeneratorMonitor } from '../metrics/generator-health.js';
import { Recorder, type GroupLabels } from '../metrics/recorder.js';
import { feedsTargetGate } from '../metrics/counting.js';
import type { DropReason, RequestPhase, RequestResult } from '../metrics/request-result.js';
import type { Scenario } from '../scenario/schema.js';
import type { DatasetEntry } from '../workload/dataset.js';
import { conversationSource, type ConversationSource } from '../workload/request-source.js';
import { tokenizer, type Tokenizer } from '../workload/tokenizer.js';
import type { TraceEntry } from '../workload/trace.js';
import { resolveEndpoints, usesMock, type StartMock } from './endpoints.js';
import { TargetGate, type GatePolicy } from './target-gate.js';
import { ThresholdWatch } from './threshold-watch.js';
import { thresholdSpecs } from '../analysis/thresholds.js';
import { budgetShare, globalArrival, type Share } from '../scenario/share.js';
import { waitUntilEpoch } from './start-instant.js';

// Failures in a row after which an open loop stops sending to a target for a while.
const OPEN_AFTER_FAILURES = 5;

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
  /**
   * Told of every arrival the load dropped (warmup included), with the group it counts on — a
   * target's, or a failover route's — and why: e.g. a live metrics exporter's counter.
   */
  onDropped?: (scope: 'target' | 'route', labels: GroupLabels, phase: RequestPhase, reason: DropReason) => void;
  /**
   * Told +1 when a request goes to a target's client (direct traffic, or an attempt of a failover
   * route; warmup included) and −1 when its result comes back: a live in-flight count per target.
   */
  onInFlight?: (target: string, delta: 1 | -1) => void;
  /** Prices for the run's cost, decision table and budget guard. */
  pricing?: Catalog;
  /** Run every target on the embedded mock (its `mock:` block, or a default profile) instead of its real endpoint. */
  useMock?: boolean;
  /** Told once the run's clock has started, before the first request: its origin (epoch ms) and the run's start on it. */
  onStart?: (clock: { originEpochMs: number; startedAtMs: number }) => void;
  /** Told when a sweep starts a new level (e.g. "rate=20"). */
  onStep?: (step: string) => void;
  /** Graceful stop (first Ctrl-C): no new requests, in-flight ones finish. */
  stop?: AbortSignal;
  /** Hard stop (second Ctrl-C): in-flight requests are aborted and recorded as `aborted`. */
  hardStop?: AbortSignal;
  clock?: Clock;
  transport?: Transport;
  /** The process's file-descriptor limit (ulimit -n), read by the caller: open loops cap outstanding requests below it. */
  fileDescriptorLimit?: number;
  /** This run's part of a load split across shards or worker threads (absent: the whole load). */
  share?: Share;
  /**
   * Wall-clock epoch ms at which to start sending (shards that start together): the run waits for it once its targets
   * are ready; a stop while waiting ends the run with nothing sent.
   */
  startAtEpochMs?: number;
  /**
   * Gives the instant (run clock) the load starts on, asked once the run's targets are ready: the
   * parent of worker threads answers every worker with the same one. Absent: the next whole
   * millisecond. A stop while it is pending starts the run at once, to end it.
   */
  startAt?: () => Promise<number>;
}

/**
 * RunContext is one run's shared machinery: where the targets are, the clock and connection pool
 * every request uses, the recorder and budget every result goes to, and the signals that stop it.
 * Traffic strategies and conversations read it; only openRun and close() change it.
 */
export interface RunContext {
  scenario: Scenario;
  deps: RunDeps;
  /** One per target, in scenario order. */
  endpoints: Endpoint[];
  /** One client per target, in scenario order, with the scenario's timeouts. */
  hits: Hit[];
  /** Per target: whether it is an embedded mock in this process (sharing its file descriptors). */
  localMock: boolean[];
  /** Per target: its gate, which keeps the run from sending faster than the target asks. */
  gates: TargetGate[];
  gatePolicy: GatePolicy;
  /** When the load last stopped scheduling because its time was up (run clock), if it did. */
  scheduleEndedAtMs: number | null;
  clock: Clock;
  pool: Transport;
  tokenizer: Tokenizer;
  recorder: Recorder;
  /** Per target: this machine's clock against the target's, from its replies' Date headers. */
  clockProbes: ClockProbe[];
  monitor: GeneratorMonitor;
  guard: BudgetGuard | null;
  /** Stops the load loops: a graceful stop, a hard stop, or the budget. */
  stop: AbortSignal;
  /** Stops the run before the next request could cross a budget cap. */
  budgetStop: AbortController;
  /** The thresholds marked abortOnFail, judged as the run goes; it stops the run at a breach. */
  thresholdWatch: ThresholdWatch;
  /** When the load started (run clock): the first pass's start instant, set by runScenario. */
  startedAtMs: number;
  /** Every result — user-level, attempt or direct — goes here once: the recorder, the budget's charge, then deps.onResult. */
  sink(r: RequestResult): void;
  /** Every dropped arrival goes here once: the recorder (measured ones), then deps.onDropped. */
  dropped(scope: 'target' | 'route', labels: GroupLabels, phase: RequestPhase, scheduledAtMs: number, reason: DropReason): void;
  nextId(): number;
  /** The whole load's number for this run's `local`-th arrival (the same when the load is not split): what picks its prompt. */
  arrival(local: number): number;
  /** A fresh conversation source (one per traffic stream; each walks its arrivals in order, all from the scenario seed). */
  sourceFor(): ConversationSource;
  /** Restarts the embedded mocks' fault schedules: the run calls it when its load starts. */
  anchorMocks(): Promise<void>;
  /** Stops the mocks and closes the pool the run opened. */
  close(): Promise<void>;
}

/**
 * openRun resolves a scenario's targets (starting embedded mocks), then starts the run's clock and
 * builds the pool, recorder and one client per target. The mocks' fault schedules restart when the
 * load does (anchorMocks), so a fault window `from: 10s` is 10 s into the load.
 */
export async function openRun(s: Scenario, deps: RunDeps): Promise<RunContext> {
  const budgetStop = new AbortController();
  const thresholdStop = new AbortController();
  // A hard stop also ends the load loops (a run that only aborted in-flight requests would spin
  // issuing requests that fail at once), and so does reaching the budget or breaching a threshold
  // marked abortOnFail.
  const stop = AbortSignal.any([
    deps.stop ?? new AbortController().signal,
    ...(deps.hardStop ? [deps.hardStop] : []),
    budgetStop.signal,
    thresholdStop.signal,
  ]);
  // Every waiting user, think time and backoff listens to this one signal: many listeners is the
  // design, not a leak (Node would warn past 10).
  setMaxListeners(0, stop);
  const { endpoints, mocks } = await resolveEndpoints(s, deps.env, deps.startMock, deps.useMock ?? false);
  if (deps.startAtEpochMs !== undefined) await waitUntilEpoch(deps.startAtEpochMs, stop);
  const clock = deps.clock ?? monotonicClock();
  const pool = deps.transport ?? transport({ connectTimeoutMs: s.timeouts.connect, connection: s.connection });
  const tok = tokenizer(s.workloads[0]!.encoding);
  const recorder = new Recorder({
    byWorkload: s.workloads.length > 1,
    byTurn: s.workloads.some((w) => w.turns > 1),
    originEpochMs: clock.originEpochMs,
  });
  const guard = s.budget ? new BudgetGuard(budgetShare(s.budget, deps.share), deps.pricing, clock.originEpochMs) : null;
  // One client per target for the whole run, each listening once to the hard stop: a run of many
  // targets legitimately has many listeners on that one signal.
  if (deps.hardStop) setMaxListeners(0, deps.hardStop);
  const onInFlight = deps.onInFlight;
  const clockProbes = endpoints.map((ep) => new ClockProbe(originOf(ep.baseUrl)));
  const hits = endpoints.map((ep, i) => {
    const hit = chatClient(ep, {
      clockProbe: clockProbes[i]!,
      transport: pool,
      clock,
      tokenizer: tok,
      firstTokenTimeoutMs: s.timeouts.firstToken,
      totalTimeoutMs: s.timeouts.total,
      clientRequestIdPrefix: deps.runId,
      ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
    });
    return onInFlight ? countedInFlight(hit, (d) => onInFlight(ep.target, d)) : hit;
  });
  const gatePolicy: GatePolicy = {
    maxRetryAfterMs: s.load.maxRetryAfter,
    errorBackoffMs: s.load.errorBackoff,
    openAfterFailures: OPEN_AFTER_FAILURES,
  };
  const gates = s.targets.map(() => new TargetGate(gatePolicy));
  const gateOf = new Map(s.targets.map((t, i) => [t.name, gates[i]!]));
  let nextId = 0;
  const sources = { ...(deps.trace ? { trace: deps.trace } : {}), ...(deps.datasets ? { datasets: deps.datasets } : {}) };
  return {
    scenario: s,
    deps,
    endpoints,
    hits,
    localMock: s.targets.map((t) => usesMock(t, deps.useMock ?? false)),
    gates,
    gatePolicy,
    scheduleEndedAtMs: null,
    clock,
    pool,
    tokenizer: tok,
    recorder,
    clockProbes,
    monitor: new GeneratorMonitor(),
    guard,
    stop,
    budgetStop,
    thresholdWatch: new ThresholdWatch(thresholdSpecs(s), recorder, clock, () => thresholdStop.abort('threshold'), deps.pricing),
    startedAtMs: clock.now(),
    sink(r) {
      recorder.add(r);
      guard?.charge(r);
      // A request sent to a target (not a route's user-level outcome) tells its gate how it is doing.
      if (feedsTargetGate(r)) gateOf.get(r.target)?.observe(r);
      deps.onResult?.(r);
    },
    dropped(scope, labels, phase, scheduledAtMs, reason) {
      recorder.addDropped(scope, labels, phase, scheduledAtMs, reason);
      deps.onDropped?.(scope, labels, phase, reason);
    },
    // Ids stay unique across the parts of a split load (shards, workers): the share's own residue.
    nextId: () => globalArrival(deps.share, nextId++),
    arrival: (local) => globalArrival(deps.share, local),
    sourceFor: () => conversationSource(s.workloads, s.seed, sources),
    anchorMocks: async () => {
      await Promise.all(mocks.map((m) => m.anchor()));
    },
    close: async () => {
      await Promise.all([...mocks.map((m) => m.close()), deps.transport ? Promise.resolve() : pool.close()]);
    },
  };
}

// A target's origin names the clock its Date headers tell (never its path, which may carry a key).
function originOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return 'unknown';
  }
}
