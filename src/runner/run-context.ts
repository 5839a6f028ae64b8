import type { AwsCredentialProvider } from './aws-sigv4.js';
import type { TokenCredential } from './entra-id.js';
import { setMaxListeners } from 'node:events';
import { chatClient, type Endpoint, type Hit } from '../client/chat-client.js';
import { ClockProbe } from '../client/clock-probe.js';
import { countedInFlight } from '../client/in-flight.js';
import { transport, type Transport } from '../client/transport.js';
import { BudgetGuard } from '../cost/budget-guard.js';
import type { Catalog } from '../cost/catalog.js';
import { monotonicClock, type Clock } from '../metrics/clock.js';
import { GeneratorMonitor } from '../metrics/generator-health.js';
import { Recorder, targetLabels, type DroppedArrival } from '../metrics/recorder.js';
import { goodputPlanOf } from '../metrics/goodput.js';
import type { RunOutput } from '../metrics/run-output.js';
import { feedsTargetGate } from '../metrics/counting.js';
import type { AttemptResult, RequestResult } from '../metrics/request-result.js';
import type { Scenario, Target } from '../scenario/schema.js';
import type { ShardOf } from '../summary/shard-tag.js';
import type { DatasetEntry } from '../workload/dataset.js';
import { conversationSource, type ConversationSource } from '../workload/request-source.js';
import { tokenizer, type Tokenizer } from '../workload/tokenizer.js';
import type { TraceEntry } from '../workload/trace.js';
import { resolveEndpoints, usesMock, type StartMock } from './endpoints.js';
import { refusalHint, TargetGate, type GatePolicy } from './target-gate.js';
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
  /** Where auth: entra-id targets get their credential (default: @azure/identity's DefaultAzureCredential); tests stub it. */
  azureCredential?: () => Promise<TokenCredential>;
  /** Where vertex targets without apiKeyEnv get their token (default: google-auth-library's ADC); tests stub it. */
  googleCredential?: () => Promise<TokenCredential>;
  /** Where bedrock targets that sign with SigV4 get their credentials, by profile (default: the AWS chain); tests stub it. */
  awsCredentials?: (profile?: string) => Promise<AwsCredentialProvider>;
  /** The trace's entries, loaded by the caller (trace load model only). */
  trace?: readonly TraceEntry[];
  /** Dataset entries by workload name, loaded by the caller. */
  datasets?: ReadonlyMap<string, readonly DatasetEntry[]>;
  /**
   * Where results go as they happen, in this order, after the recorder, the budget and the target
   * gates have seen them: requests.csv, the progress line, live metrics… (metrics/run-output.ts).
   */
  outputs?: readonly RunOutput[];
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
  /** The process's file-descriptor limit (ulimit -n), read by the caller: open loops cap outstanding requests below it. */
  fileDescriptorLimit?: number;
  /** This run's part of a load split across shards or worker threads (absent: the whole load). */
  share?: Share;
  /** Set when this run is one shard of a load split across machines: summary.json's `shard` is made from it. */
  shard?: ShardOf;
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

/** RunTarget is one target of a run: its scenario entry and everything the run keeps for it. */
export interface RunTarget {
  /** The scenario's entry for it. */
  spec: Target;
  endpoint: Endpoint;
  /** Its client for the whole run, with the scenario's timeouts (counted in flight when an output listens). */
  hit: Hit;
  /** Keeps the run from sending faster than the target asks. */
  gate: TargetGate;
  /** Whether it is an embedded mock in this process (sharing its file descriptors). */
  localMock: boolean;
  /** This machine's clock against the target's, from its replies' Date headers. */
  clockProbe: ClockProbe;
}

/** RunTimeline is the part of a run that changes as it goes: written by runScenario only, read by its summary. */
export interface RunTimeline {
  /** When the load started (run clock): the first pass's start instant (until then, when the run opened). */
  startedAtMs: number;
  /** When the load last stopped scheduling because its time was up (run clock), if it did. */
  scheduleEndedAtMs: number | null;
}

/**
 * RunContext is one run's shared machinery: its targets, the clock and connection pool every
 * request uses, the recorder, budget and outputs every result goes to, and the signals that stop
 * it. Traffic strategies and conversations read it; openRun makes it and nothing replaces its
 * members afterwards — only `timeline` changes as the run goes (runScenario writes it).
 */
export interface RunContext {
  scenario: Scenario;
  deps: RunDeps;
  /** One per target, in scenario order. */
  targets: readonly RunTarget[];
  /** The target of that name (a validated scenario names only its own targets). */
  target(name: string): RunTarget;
  gatePolicy: GatePolicy;
  timeline: RunTimeline;
  clock: Clock;
  pool: Transport;
  tokenizer: Tokenizer;
  recorder: Recorder;
  /** Where results go besides the recorder (deps.outputs): runScenario starts and stops them. */
  outputs: readonly RunOutput[];
  /** Told ±1 as requests go to a target's client and come back, when an output listens. */
  inFlight: ((target: string, delta: 1 | -1) => void) | undefined;
  /** Told of each request's first token as it arrives (warmup included), when an output listens (live TTFT). */
  firstToken: ((r: AttemptResult) => void) | undefined;
  monitor: GeneratorMonitor;
  guard: BudgetGuard | null;
  /** Stops the load loops: a graceful stop, a hard stop, or the budget. */
  stop: AbortSignal;
  /** Stops the run before the next request could cross a budget cap. */
  budgetStop: AbortController;
  /** The thresholds marked abortOnFail, judged as the run goes; it stops the run at a breach. */
  thresholdWatch: ThresholdWatch;
  /**
   * Every result — user-level, attempt or direct — goes here once: the recorder, the budget's
   * charge, its target's gate, then each output.
   */
  sink(r: RequestResult): void;
  /** Every dropped arrival goes here once: the recorder (measured ones), then each output. */
  dropped(d: DroppedArrival): void;
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
  const { endpoints, mocks } = await resolveEndpoints(s, deps.env, deps.startMock, deps.useMock ?? false, {
    azure: deps.azureCredential,
    google: deps.googleCredential,
    aws: deps.awsCredentials,
  });
  if (deps.startAtEpochMs !== undefined) await waitUntilEpoch(deps.startAtEpochMs, stop);
  const clock = deps.clock ?? monotonicClock();
  const pool = deps.transport ?? transport({ connectTimeoutMs: s.timeouts.connect, connection: s.connection, env: deps.env });
  const tok = tokenizer(s.workloads[0]!.encoding);
  const recorder = new Recorder({
    byWorkload: s.workloads.length > 1,
    byTurn: s.workloads.some((w) => w.turns > 1),
    originEpochMs: clock.originEpochMs,
    goodput: goodputPlanOf(s),
  });
  const guard = s.budget ? new BudgetGuard(budgetShare(s.budget, deps.share), deps.pricing, clock.originEpochMs) : null;
  const outputs = deps.outputs ?? [];
  const inFlight = inFlightOf(outputs);
  const firstToken = firstTokenOf(outputs);
  const gatePolicy: GatePolicy = {
    maxRetryAfterMs: s.load.maxRetryAfter,
    errorBackoffMs: s.load.errorBackoff,
    openAfterFailures: OPEN_AFTER_FAILURES,
    stopAfterRefusals: s.load.stopAfterRefusals,
  };
  const targets = runTargets(s, deps, endpoints, { clock, pool, tokenizer: tok, gatePolicy, inFlight, firstToken });
  const byName = new Map(targets.map((t) => [t.spec.name, t]));
  const { sink, dropped } = sinkOf([recorder, control(guard, byName, recorder), ...outputs]);
  let nextId = 0;
  const sources = { ...(deps.trace ? { trace: deps.trace } : {}), ...(deps.datasets ? { datasets: deps.datasets } : {}) };
  return {
    scenario: s,
    deps,
    targets,
    target: (name) => byName.get(name)!,
    gatePolicy,
    timeline: { startedAtMs: clock.now(), scheduleEndedAtMs: null },
    clock,
    pool,
    tokenizer: tok,
    recorder,
    outputs,
    inFlight,
    firstToken,
    monitor: new GeneratorMonitor(),
    guard,
    stop,
    budgetStop,
    thresholdWatch: new ThresholdWatch(thresholdSpecs(s), recorder, clock, () => thresholdStop.abort('threshold'), deps.pricing),
    sink,
    dropped,
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

// The run's own bookkeeping after the recorder: the budget's charge, and the gate of the target a request went to — which
// may stop the target for refusing everything: recorded on its group (the console names it once, from the summary).
function control(guard: BudgetGuard | null, byName: ReadonlyMap<string, RunTarget>, recorder: Recorder): RunOutput {
  return {
    add(r) {
      guard?.charge(r);
      // A request sent to a target (not a route's user-level outcome) tells its gate how it is doing.
      if (!feedsTargetGate(r)) return;
      const t = byName.get(r.target);
      const refused = t?.gate.observe(r);
      if (!t || !refused) return;
      recorder.addStopped(targetLabels(t.endpoint, r.step), { ...refused, hint: refusalHint(refused, t.endpoint) });
    },
  };
}

// sinkOf hands each result and dropped arrival to every output of the list, in order: the run's
// own (the recorder, then its control) before the caller's.
function sinkOf(outputs: readonly RunOutput[]): Pick<RunContext, 'sink' | 'dropped'> {
  const droppedTo = outputs.filter((o) => o.dropped);
  return {
    sink(r) {
      for (const o of outputs) o.add(r);
    },
    dropped(d) {
      for (const o of droppedTo) o.dropped!(d);
    },
  };
}

// What every target's client shares.
interface ClientShared {
  clock: Clock;
  pool: Transport;
  tokenizer: Tokenizer;
  gatePolicy: GatePolicy;
  inFlight: ((target: string, delta: 1 | -1) => void) | undefined;
  firstToken: ((r: AttemptResult) => void) | undefined;
}

// runTargets builds each target's client (one for the whole run), gate and clock probe.
function runTargets(s: Scenario, deps: RunDeps, endpoints: readonly Endpoint[], shared: ClientShared): RunTarget[] {
  // One client per target for the whole run, each listening once to the hard stop: a run of many
  // targets legitimately has many listeners on that one signal.
  if (deps.hardStop) setMaxListeners(0, deps.hardStop);
  const { inFlight } = shared;
  return s.targets.map((spec, i) => {
    const endpoint = endpoints[i]!;
    const clockProbe = new ClockProbe(originOf(endpoint.baseUrl));
    const hit = chatClient(endpoint, {
      clockProbe,
      transport: shared.pool,
      clock: shared.clock,
      tokenizer: shared.tokenizer,
      firstTokenTimeoutMs: s.timeouts.firstToken,
      totalTimeoutMs: s.timeouts.total,
      clientRequestIdPrefix: deps.runId,
      ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
      ...(shared.firstToken ? { onFirstToken: shared.firstToken } : {}),
    });
    return {
      spec,
      endpoint,
      hit: inFlight ? countedInFlight(hit, (d) => inFlight(endpoint.target, d)) : hit,
      gate: new TargetGate(shared.gatePolicy),
      localMock: usesMock(spec, deps.useMock ?? false),
      clockProbe,
    };
  });
}

// inFlightOf tells every output that counts requests in flight; undefined when none does, so no client is wrapped.
function inFlightOf(outputs: readonly RunOutput[]): RunContext['inFlight'] {
  const counting = outputs.filter((o) => o.inFlight);
  if (!counting.length) return undefined;
  return (target, delta) => {
    for (const o of counting) o.inFlight!(target, delta);
  };
}

// firstTokenOf tells every output that listens for first tokens of a request's TTFT; undefined when none does.
function firstTokenOf(outputs: readonly RunOutput[]): RunContext['firstToken'] {
  const listening = outputs.filter((o) => o.firstToken);
  if (!listening.length) return undefined;
  return (r) => {
    const ms = r.firstTokenAtMs! - r.scheduledAtMs;
    for (const o of listening) o.firstToken!(r.target, ms);
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
