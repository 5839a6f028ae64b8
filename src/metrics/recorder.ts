import { ERROR_KINDS, type ErrorKind } from '../scenario/error-kinds.js';
import {
  dispatchLagMs,
  e2eMs,
  headersMs,
  serviceE2eMs,
  serviceTtftMs,
  tpotMs,
  ttfcMs,
  ttftMs,
  stoppedAtLimit,
  DROP_REASONS,
  type DropReason,
  type RequestPhase,
  type RequestResult,
} from './request-result.js';
import { Timeseries } from './timeseries.js';
import { groupScopeOf, inLatency, inWarmupTally, isBilled, isGeneratorFailure, isMeasured, isOutcome, servedByOf } from './counting.js';
import { utcMinuteOfDay } from './clock.js';
import { newHistogram, recordCount, recordMs, type Histogram } from './histogram.js';
import { foldRateLimit, noRateLimit, type RateLimitLow } from './rate-limit.js';
import type { LatencyMetric } from '../scenario/metric-names.js';
import type { BackoffReason } from './request-result.js';
import { sloVerdict, tallyOf, tallyVerdict, type GoodputPlan, type GoodputTally, type SloVerdict } from './goodput.js';

/**
 * GroupScope says what a group aggregates: a whole target, one workload on it, one conversation turn of that workload,
 * or a failover route's user-level outcomes. Target, route, workload and turn groups come from a run; agent groups (one
 * agent region's traffic to a target or route) from merging shards.
 */
export type GroupScope = 'target' | 'workload' | 'turn' | 'route' | 'agent';

/**
 * TargetStop says when and why a target was stopped for the rest of the run: it answered `afterRefusals` refusals
 * (400, 401, 403, 404, 3xx) with no success between them. `message` is the last refusal's (the provider's own words),
 * `hint` what to fix.
 */
export interface TargetStop {
  /** When the refusal that stopped it ended (run clock, ms). */
  atMs: number;
  afterRefusals: number;
  kind: ErrorKind;
  status: number;
  message: string;
  hint: string;
}

/** GroupLabels identify a group of results. */
export interface GroupLabels {
  target: string;
  region: string;
  provider: string;
  model: string;
  /** Sweep level ('' outside a sweep). */
  step?: string;
  /** Workload name, for workload and turn groups. */
  workload?: string;
  /** Conversation turn (1 = the first message), for turn groups. */
  turn?: number;
  /** Where the load came from, for agent groups of a merged run (`run --agent-region`). */
  agentRegion?: string;
}

/** DroppedArrival is an arrival the load never sent, on the group its traffic stream drives, and why. */
export interface DroppedArrival {
  scope: 'target' | 'route';
  labels: GroupLabels;
  phase: RequestPhase;
  /** When it was due (run clock, ms). */
  scheduledAtMs: number;
  reason: DropReason;
}

/**
 * GroupAccumulator holds everything a report needs about one group, in constant memory:
 * histograms and counters, never the results themselves. Histograms are created on first use,
 * so a metric that never occurs (TLS on plain http, queue wait without a cap) costs nothing.
 */
export interface GroupAccumulator {
  key: string;
  scope: GroupScope;
  labels: GroupLabels;
  histograms: Partial<Record<LatencyMetric, Histogram>>;
  /** Measured requests whose outcome is the target's: ok, or failed by the target or the network. */
  requests: number;
  ok: number;
  /** Requests that failed on the generator's own side (owner `generator`): never in `requests`. */
  generatorFailed: number;
  /** Arrivals never sent, and why (open loop: maxInFlight, connection cap, a rate-limited or unavailable target). */
  dropped: number;
  droppedBy: Record<DropReason, number>;
  /** Measured arrivals (sent or dropped), and the span of their schedule: what the load asked for. */
  arrivals: number;
  firstScheduledMs: number;
  lastScheduledMs: number;
  /** Requests that waited for an in-flight slot (overflow: queue). */
  queued: number;
  /** Requests that opened a new connection, and connects that failed: connection churn. */
  newConnections: number;
  connectFailures: number;
  errorsByKind: Record<ErrorKind, number>;
  /** The first message seen for each error kind: what a failure of that kind looked like. */
  errorSamples: Partial<Record<ErrorKind, string>>;
  inputTokens: number;
  outputTokens: number;
  /** Tokens a provider bills: requests it answered 2xx (failed mid-stream included); failed-and-billed apart. */
  billed: {
    input: number;
    output: number;
    cachedInput: number;
    cacheWriteInput: number;
    cacheWrite1hInput: number;
    failedInput: number;
    failedOutput: number;
  };
  /**
   * The same billed tokens by the UTC minute of the day their request was sent (UNKNOWN_MINUTE without the run's wall
   * clock), so time-of-day prices apply exactly.
   */
  billedByMinute: Map<number, BilledSlot>;
  /** Output tokens asked for (max_tokens) by successful requests, beside outputTokens actually received. */
  requestedOutputTokens: number;
  tokenSource: { usage: number; counted: number };
  /** Requests with both server usage and a local count of the streamed text: how far they disagree. */
  usageVsCounted: { requests: number; usageOutput: number; countedOutput: number; absDiff: number; maxAbsDiff: number };
  /**
   * Prompt-cache use as the providers' usage reported it, over the requests whose counts came from usage (a locally
   * counted request knows nothing of the cache): their prompt tokens, and of those the cache reads and writes.
   */
  cache: { promptTokens: number; readTokens: number; writeTokens: number };
  /** Output tokens of each successful request (a count histogram, made on first use), and how many stopped at their limit. */
  outputTokenCounts: Histogram | null;
  truncated: number;
  /** The least rate-limit quota the responses stated (target, workload and turn groups). */
  rateLimit: RateLimitLow;
  /** Token gaps of successful requests that were not timed (read together with the token before): not in the itl histogram. */
  coalescedGaps: number;
  /** Earliest scheduled time and latest end time of measured requests (run clock, ms). */
  windowStartMs: number;
  windowEndMs: number;
  /** Per-second series (target and route groups; sub-groups would multiply memory for little use). */
  timeseries: Timeseries | null;
  /** Time closed-loop users spent backing off from this target, and why: its Retry-After, or its failures. */
  backoff: { waits: number; ms: number; byReason: Record<BackoffReason, number> };
  /** Conversations that ended because the load's time was up before their last turn. */
  cutShort: number;
  /** The slowest successful requests by E2E (target and route groups), slowest first: the ones to ask a provider about. */
  slowest: SlowRequest[];
  /** When its target was stopped for refusing every request (load.stopAfterRefusals); null while it was not. */
  stopped: TargetStop | null;
  /** Route groups: requests served by each hop, attempts made, requests served by a fallback. */
  servedBy: Record<string, number>;
  attempts: number;
  failedOver: number;
  /** Requests judged against the goodput bounds (metrics/goodput.ts); null when none apply to the group. */
  goodput: GoodputTally | null;
}

/** RecorderOptions say which breakdowns to keep beside the per-target groups. */
export interface RecorderOptions {
  /** A group per target × workload (useful when a scenario mixes workloads). */
  byWorkload?: boolean;
  /** A group per target × workload × turn (multi-turn conversations). */
  byTurn?: boolean;
  /** Wall-clock epoch ms at the run clock's origin: billed tokens are kept by the UTC minute they were sent in. */
  originEpochMs?: number;
  /** The scenario's goodput bounds (metrics/goodput.ts): each measured request is judged once against its workload's. */
  goodput?: GoodputPlan | null;
}

/** BilledTokenCounts are the tokens a provider bills a request for, by kind; cache reads and writes are parts of input. */
export interface BilledTokenCounts {
  input: number;
  output: number;
  cachedInput: number;
  cacheWriteInput: number;
  cacheWrite1hInput: number;
}

/** BilledSlot is what the requests sent in one minute billed, and the part of it from requests that then failed. */
export interface BilledSlot {
  billed: BilledTokenCounts;
  failed: BilledTokenCounts;
}

/** UNKNOWN_MINUTE keys billed tokens whose wall-clock send time is unknown (a recorder without originEpochMs). */
export const UNKNOWN_MINUTE = -1;

/** billedTokensOf is what a request is billed for (when the provider answered it 2xx). */
export function billedTokensOf(r: RequestResult): BilledTokenCounts {
  return {
    input: r.inputTokens,
    output: r.outputTokens,
    cachedInput: r.cachedInputTokens,
    cacheWriteInput: r.cacheWriteInputTokens,
    cacheWrite1hInput: r.cacheWrite1hInputTokens,
  };
}

/**
 * Recorder folds RequestResults into per-group histograms and counters (vegeta's Metrics.Add).
 * Only `measure`-phase results count; warmup results are tallied and otherwise ignored.
 * Latency histograms hold successful requests only: a fast 500 is not a fast answer.
 */
export class Recorder {
  readonly groups = new Map<string, GroupAccumulator>();
  warmupRequests = 0;

  constructor(private readonly opts: RecorderOptions = {}) {}

  /** add folds one result into its target group and the breakdowns it belongs to. */
  add(r: RequestResult): void {
    if (!isMeasured(r)) {
      if (inWarmupTally(r)) this.warmupRequests++;
      return;
    }
    const minute = this.opts.originEpochMs === undefined ? UNKNOWN_MINUTE : utcMinuteOfDay(this.opts.originEpochMs + r.sentAtMs);
    const slo = sloVerdict(r, this.opts.goodput ?? null);
    if (isOutcome(r)) {
      // A routed request's user-level outcome: counted once, in its route's group.
      const g = this.ensure(groupScopeOf(r), r);
      fold(g, r, minute, slo);
      g.attempts += r.attempts;
      const hop = servedByOf(r);
      if (hop) g.servedBy[hop] = (g.servedBy[hop] ?? 0) + 1;
      if (r.failoverMs !== null) {
        g.failedOver++;
        rec(g, 'failover', r.failoverMs);
      }
      if (r.timeLostMs > 0) rec(g, 'timeLost', r.timeLostMs);
      return;
    }
    fold(this.ensure(groupScopeOf(r), r), r, minute, slo);
    if (this.opts.byWorkload) fold(this.ensure('workload', r), r, minute, slo);
    if (this.opts.byTurn) fold(this.ensure('turn', r), r, minute, slo);
  }

  /** dispatchLag adds every target group's dispatch-lag histogram into one: the generator's own lateness. */
  dispatchLag(): Histogram {
    const all = newHistogram();
    for (const g of this.groups.values()) if (g.scope === 'target' && g.histograms.dispatchLag) all.add(g.histograms.dispatchLag);
    return all;
  }

  /**
   * addDropped counts an arrival that was never sent, and why, on the group its traffic stream
   * drives: a target's, or a failover route's (whose arrivals are the route's, not any one hop's).
   */
  addDropped(
    scope: 'target' | 'route',
    labels: GroupLabels,
    phase: RequestPhase,
    scheduledAtMs: number,
    reason: DropReason = 'max_in_flight',
  ): void {
    if (phase === 'warmup') return;
    const g = this.ensure(scope, labels);
    g.dropped++;
    g.droppedBy[reason]++;
    arrived(g, scheduledAtMs);
    g.timeseries?.addDropped(scheduledAtMs);
  }

  /** dropped is addDropped for a run's outputs (metrics/run-output.ts): the recorder is the first of them. */
  dropped(d: DroppedArrival): void {
    this.addDropped(d.scope, d.labels, d.phase, d.scheduledAtMs, d.reason);
  }

  /** addBackoff counts a wait a closed-loop user made before sending to the group's target again. */
  addBackoff(scope: 'target' | 'route', labels: GroupLabels, reason: BackoffReason, ms: number): void {
    const b = this.ensure(scope, labels).backoff;
    b.waits++;
    b.ms += ms;
    b.byReason[reason] += ms;
  }

  /** addStopped records that the group's target was stopped for the rest of the run (the first stop stands). */
  addStopped(labels: GroupLabels, stop: TargetStop): void {
    const g = this.ensure('target', labels);
    g.stopped ??= stop;
  }

  /** addCutShort counts a conversation whose later turns never started: the load's time was up. */
  addCutShort(scope: 'target' | 'route', labels: GroupLabels): void {
    this.ensure(scope, labels).cutShort++;
  }

  /** declare creates a target group ahead of its first result, so a target that never answered still reports. */
  declare(labels: GroupLabels): void {
    this.ensure('target', labels);
  }

  /** targetGroup finds a target group (optionally of a sweep level). */
  targetGroup(target: string, step = ''): GroupAccumulator | undefined {
    return this.groups.get(groupKey('target', { target, region: '', provider: '', model: '', step }));
  }

  /** declareRoute creates a route's group ahead of its first result. */
  declareRoute(route: string, step = ''): void {
    this.ensure('route', routeLabels(route, step));
  }

  private ensure(scope: GroupScope, l: GroupLabels & { workload?: string; turn?: number }): GroupAccumulator {
    const labels: GroupLabels = { target: l.target, region: l.region, provider: l.provider, model: l.model, step: l.step ?? '' };
    if (scope === 'workload' || scope === 'turn') labels.workload = l.workload ?? '';
    if (scope === 'turn') labels.turn = l.turn ?? 1;
    const key = groupKey(scope, labels);
    let g = this.groups.get(key);
    if (!g) {
      g = newGroup(key, labels, scope);
      g.goodput = tallyOf(this.opts.goodput ?? null, labels.workload);
      this.groups.set(key, g);
    }
    return g;
  }
}

function fold(g: GroupAccumulator, r: RequestResult, minute: number, slo: SloVerdict): void {
  // An arrival of the load is a conversation's first turn; later turns follow their replies.
  if (r.turn <= 1) arrived(g, r.scheduledAtMs);
  // Generator-side timings hold for every request, failed or not: they describe the client.
  rec(g, 'dispatchLag', dispatchLagMs(r));
  if (r.errorKind !== null) {
    g.errorsByKind[r.errorKind]++;
    g.errorSamples[r.errorKind] ??= r.errorMessage;
  }
  if (isBilled(r)) {
    g.billed.input += r.inputTokens;
    g.billed.output += r.outputTokens;
    g.billed.cachedInput += r.cachedInputTokens;
    g.billed.cacheWriteInput += r.cacheWriteInputTokens;
    g.billed.cacheWrite1hInput += r.cacheWrite1hInputTokens;
    let slot = g.billedByMinute.get(minute);
    if (!slot) g.billedByMinute.set(minute, (slot = { billed: noTokens(), failed: noTokens() }));
    addTokens(slot.billed, r);
    if (r.errorKind !== null) {
      g.billed.failedInput += r.inputTokens;
      g.billed.failedOutput += r.outputTokens;
      addTokens(slot.failed, r);
    }
  }
  // A quota stated by a refusal counts as much as one stated by an answer; a route's is its hops'.
  if (g.scope !== 'route') foldRateLimit(g.rateLimit, r);
  // Connection churn counts every request that opened (or tried to open) a connection, answered or not.
  if (r.connection === 'new') g.newConnections++;
  else if (r.connection === 'failed') g.connectFailures++;
  // The generator's own failures are counted apart: they say nothing about the target.
  if (isGeneratorFailure(r)) {
    g.generatorFailed++;
    return;
  }
  g.requests++;
  if (slo !== null && g.goodput) tallyVerdict(g.goodput, slo);
  if (r.scheduledAtMs < g.windowStartMs) g.windowStartMs = r.scheduledAtMs;
  if (r.endAtMs > g.windowEndMs) g.windowEndMs = r.endAtMs;
  g.inputTokens += r.inputTokens;
  g.tokenSource[r.tokenSource]++;
  if (r.tokenSource === 'usage') foldCache(g.cache, r);
  g.timeseries?.add(r);
  if (r.queuedMs > 0) {
    g.queued++;
    rec(g, 'queueWait', r.queuedMs);
  }
  if (r.connection === 'new') {
    if (r.dnsMs !== null) rec(g, 'dns', r.dnsMs);
    if (r.tcpMs !== null) rec(g, 'tcp', r.tcpMs);
    if (r.tlsMs !== null) rec(g, 'tls', r.tlsMs);
  }
  if (!inLatency(r)) return;
  g.ok++;
  g.outputTokens += r.outputTokens;
  g.requestedOutputTokens += r.requestedOutputTokens;
  recordCount((g.outputTokenCounts ??= newHistogram()), r.outputTokens);
  if (stoppedAtLimit(r)) g.truncated++;
  if (r.tokenSource === 'usage' && r.outputTokensCounted !== null) {
    const u = g.usageVsCounted;
    const diff = Math.abs(r.outputTokens - r.outputTokensCounted);
    u.requests++;
    u.usageOutput += r.outputTokens;
    u.countedOutput += r.outputTokensCounted;
    u.absDiff += diff;
    if (diff > u.maxAbsDiff) u.maxAbsDiff = diff;
  }
  const ttft = ttftMs(r);
  if (ttft !== null) rec(g, 'ttft', ttft);
  const ttfc = ttfcMs(r);
  if (ttfc !== null) rec(g, 'ttfc', ttfc);
  const ttftService = serviceTtftMs(r);
  if (ttftService !== null) rec(g, 'ttftService', ttftService);
  rec(g, 'e2eService', serviceE2eMs(r));
  if (r.serverLatencyMs !== null) {
    rec(g, 'serverLatency', r.serverLatencyMs);
    // Clamped at 0: the server's whole-millisecond figure can exceed a loopback round trip measured in fractions.
    rec(g, 'networkShare', Math.max(0, serviceE2eMs(r) - r.serverLatencyMs));
  }
  for (const gap of r.itlMs) rec(g, 'itl', gap);
  g.coalescedGaps += r.coalescedGaps;
  const tpot = tpotMs(r);
  if (tpot !== null) rec(g, 'tpot', tpot);
  const e2e = e2eMs(r);
  rec(g, 'e2e', e2e);
  const hdr = headersMs(r);
  if (hdr !== null) rec(g, 'headers', hdr);
  if (g.scope === 'target' || g.scope === 'route') keepSlowest(g.slowest, r, e2e);
}

// foldCache adds a request's prompt-cache use, as its usage reported it: its whole prompt, the cache reads and writes in it.
function foldCache(c: GroupAccumulator['cache'], r: RequestResult): void {
  c.promptTokens += r.inputTokens;
  c.readTokens += r.cachedInputTokens;
  c.writeTokens += r.cacheWriteInputTokens;
}

/** SLOWEST_KEPT is how many of a group's slowest requests are kept, with their ids. */
export const SLOWEST_KEPT = 5;

/** SlowRequest is one of a group's slowest requests: enough to find it in requests.csv and to quote it to the provider. */
export interface SlowRequest {
  id: number;
  providerRequestId: string;
  /** The hop that served it (route groups); the target otherwise. */
  servedBy: string;
  scheduledAtMs: number;
  ttftMs: number | null;
  e2eMs: number;
}

// keepSlowest keeps the SLOWEST_KEPT slowest, slowest first, in constant memory.
function keepSlowest(list: SlowRequest[], r: RequestResult, e2e: number): void {
  if (list.length === SLOWEST_KEPT && e2e <= list[list.length - 1]!.e2eMs) return;
  const entry: SlowRequest = {
    id: r.id,
    providerRequestId: r.providerRequestId,
    servedBy: servedByOf(r) || r.target,
    scheduledAtMs: r.scheduledAtMs,
    ttftMs: ttftMs(r),
    e2eMs: e2e,
  };
  let i = list.findIndex((s) => e2e > s.e2eMs);
  if (i === -1) i = list.length;
  list.splice(i, 0, entry);
  if (list.length > SLOWEST_KEPT) list.pop();
}

// arrived notes a measured arrival's schedule (sent or dropped): the rate the load asked for.
function arrived(g: GroupAccumulator, scheduledAtMs: number): void {
  g.arrivals++;
  if (scheduledAtMs < g.firstScheduledMs) g.firstScheduledMs = scheduledAtMs;
  if (scheduledAtMs > g.lastScheduledMs) g.lastScheduledMs = scheduledAtMs;
}

function noTokens(): BilledTokenCounts {
  return { input: 0, output: 0, cachedInput: 0, cacheWriteInput: 0, cacheWrite1hInput: 0 };
}

function addTokens(t: BilledTokenCounts, r: RequestResult): void {
  const b = billedTokensOf(r);
  t.input += b.input;
  t.output += b.output;
  t.cachedInput += b.cachedInput;
  t.cacheWriteInput += b.cacheWriteInput;
  t.cacheWrite1hInput += b.cacheWrite1hInput;
}

function rec(g: GroupAccumulator, m: LatencyMetric, ms: number): void {
  recordMs((g.histograms[m] ??= newHistogram()), ms);
}

/**
 * targetLabels are a target group's labels, picked field by field from its endpoint (never the
 * endpoint itself: labels travel between threads and into files, and an endpoint carries its
 * headers and secrets).
 */
export function targetLabels(t: Pick<GroupLabels, 'target' | 'region' | 'provider' | 'model'>, step = ''): GroupLabels {
  return { target: t.target, region: t.region, provider: t.provider, model: t.model, step };
}

/** routeLabels are a failover route's group labels: the route stands where a target would, with no region or model of its own. */
export function routeLabels(route: string, step = ''): GroupLabels {
  return { target: route, region: '', provider: 'route', model: '', step };
}

/** groupKey names a group: target[@step][/workload][#turn]. */
export function groupKey(scope: GroupScope, l: GroupLabels): string {
  let k = (scope === 'route' ? 'route:' : '') + (l.step ? `${l.target}@${l.step}` : l.target);
  if (scope === 'workload' || scope === 'turn') k += `/${l.workload ?? ''}`;
  if (scope === 'turn') k += `#${l.turn ?? 1}`;
  return k;
}

/** newGroup makes an empty accumulator. */
export function newGroup(key: string, labels: GroupLabels, scope: GroupScope = 'target'): GroupAccumulator {
  return {
    key,
    scope,
    labels,
    histograms: {},
    requests: 0,
    ok: 0,
    generatorFailed: 0,
    dropped: 0,
    droppedBy: Object.fromEntries(DROP_REASONS.map((k) => [k, 0])) as Record<DropReason, number>,
    arrivals: 0,
    firstScheduledMs: Infinity,
    lastScheduledMs: -Infinity,
    queued: 0,
    newConnections: 0,
    connectFailures: 0,
    errorsByKind: Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>,
    errorSamples: {},
    inputTokens: 0,
    outputTokens: 0,
    requestedOutputTokens: 0,
    billed: { input: 0, output: 0, cachedInput: 0, cacheWriteInput: 0, cacheWrite1hInput: 0, failedInput: 0, failedOutput: 0 },
    billedByMinute: new Map(),
    tokenSource: { usage: 0, counted: 0 },
    usageVsCounted: { requests: 0, usageOutput: 0, countedOutput: 0, absDiff: 0, maxAbsDiff: 0 },
    cache: { promptTokens: 0, readTokens: 0, writeTokens: 0 },
    outputTokenCounts: null,
    truncated: 0,
    rateLimit: noRateLimit(),
    coalescedGaps: 0,
    windowStartMs: Infinity,
    windowEndMs: -Infinity,
    // Every scope but the run's own keeps its seconds: report.html splits the per-second charts by workload and turn too.
    timeseries: scope === 'target' || scope === 'route' || scope === 'workload' || scope === 'turn' ? new Timeseries() : null,
    backoff: { waits: 0, ms: 0, byReason: { rate_limited: 0, error: 0 } },
    stopped: null,
    cutShort: 0,
    slowest: [],
    servedBy: {},
    attempts: 0,
    failedOver: 0,
    goodput: null,
  };
}
