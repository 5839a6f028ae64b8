import type { ErrorKind } from '../scenario/error-kinds.js';

/**
 * RequestResult is the one record that flows through a run: made by the client, read by the
 * recorder, written row by row to requests.csv. Every downstream number is a function of these
 * records (or of the histograms built from them), so a field added here is visible everywhere.
 *
 * It is one of two kinds, told apart by `kind` (TypeScript narrows on it): an `AttemptResult`, a
 * request sent to a target (direct traffic, or one attempt of a failover route), or a
 * `RouteOutcome`, what the user of a failover route saw of one request, whatever its attempts. What
 * counts where (histograms, billing, the budget, live metrics…) is decided in one place,
 * metrics/counting.ts: no consumer re-derives it.
 *
 * Times are milliseconds on the run's monotonic clock (see metrics/clock.ts): offsets from the
 * run origin, never wall-clock. `null` means "this moment never happened" (no headers, no token).
 */
export type RequestResult = AttemptResult | RouteOutcome;

/** RecordKind tells the two kinds of RequestResult apart: a request sent to a target, or a route's user-level outcome. */
export type RecordKind = RequestResult['kind'];

/** AttemptResult is a request sent to a target: direct traffic, or one attempt of a failover route. */
export interface AttemptResult extends ResultBase {
  kind: 'attempt';
  /** 1, 2, … the attempt number within its route; 1 for direct traffic. */
  attempt: number;
  /** An attempt of a routed request: the id of its route outcome; null for direct traffic. */
  parentId: number | null;
}

/**
 * RouteOutcome is the user-level outcome of a request sent through a failover route, counted once in
 * the route's group: it starts at the call's schedule, and its timings after the start are those of
 * the serving (or last) attempt.
 */
export interface RouteOutcome extends ResultBase {
  kind: 'outcome';
  /** Attempts made in all (0 when every hop was unavailable). */
  attempts: number;
  /** The target that served the answer ('' if none did). */
  servedBy: string;
  /** Time spent on failed attempts before the serving one, ms. */
  timeLostMs: number;
  /** Request start → first token served by a fallback (null unless a fallback served it). */
  failoverMs: number | null;
}

/** ResultBase is what both kinds of RequestResult hold: the request, where it went, when, and how it ended. */
export interface ResultBase {
  /** Sequence number within the run, unique across targets. */
  id: number;
  /** `warmup` results are written to requests.csv but never enter the metrics. */
  phase: RequestPhase;
  target: string;
  region: string;
  provider: string;
  model: string;
  workload: string;
  /** Turn number within a conversation: 1 for the first message (and for single-turn workloads). */
  turn: number;
  /** Capacity-sweep level this request belongs to (e.g. "rate=20"); '' outside a sweep. */
  step: string;
  /** Failover route this request went through ('' for direct traffic). */
  route: string;
  /** The provider's own id for this request (x-request-id, request-id, cf-ray…): what its support asks for; '' when it sent none. */
  providerRequestId: string;
  /** Retry-After the server asked for (429/503), ms; null when none. */
  retryAfterMs: number | null;
  /** When the load model wanted the request to start (closed loop: equal to sentAtMs). */
  scheduledAtMs: number;
  /** When the request was handed to the transport. */
  sentAtMs: number;
  /** Time spent waiting for a free in-flight slot (open loop, maxInFlight with overflow: queue); 0 otherwise. */
  queuedMs: number;
  /**
   * Whether this request opened its connection ('new'), tried and failed ('failed'), or rode a kept-alive one
   * ('reused'); '' if it never got that far.
   */
  connection: ConnectionUse;
  /** DNS lookup, TCP connect and TLS handshake times, when this request opened the connection; null otherwise. */
  dnsMs: number | null;
  tcpMs: number | null;
  tlsMs: number | null;
  /** When response headers arrived; null if they never did. */
  headersAtMs: number | null;
  /** When the first token arrived — reasoning or content (non-streaming: when the body completed). */
  firstTokenAtMs: number | null;
  /** When the first non-empty *content* delta arrived (after any reasoning). */
  firstContentAtMs: number | null;
  /** When the last byte arrived, or the request failed. */
  endAtMs: number;
  /** Gaps between consecutive token deltas (reasoning or content), in ms. Transient: the recorder folds it into a histogram. */
  itlMs: number[];
  /**
   * Token gaps left out of itlMs: tokens that arrived in the same socket read as the token before
   * them. Both were stamped with that read's time, so their gap was not timed (a server that sends
   * tokens together, or a generator that read late): counted, not recorded as 0.
   */
  coalescedGaps: number;
  /** Number of non-empty content deltas received. */
  contentDeltas: number;
  /** Number of non-empty reasoning deltas received (reasoning models). */
  reasoningDeltas: number;
  /** Prompt tokens (server usage when present, else counted locally). */
  inputTokens: number;
  /** Completion tokens (server usage when present, else counted locally). */
  outputTokens: number;
  /** Prompt tokens the provider served from its prompt cache (part of inputTokens; 0 when not reported). */
  cachedInputTokens: number;
  /**
   * Prompt tokens written to the provider's prompt cache, billed apart (Anthropic cache_creation_input_tokens; part of
   * inputTokens; 0 when not reported).
   */
  cacheWriteInputTokens: number;
  /** The part of cacheWriteInputTokens written with a 1-hour TTL (Anthropic cache_creation.ephemeral_1h_input_tokens). */
  cacheWrite1hInputTokens: number;
  /** Where the token counts came from. */
  tokenSource: TokenSource;
  /** Our tokenizer's count of the streamed text when the server also reported usage (null otherwise): the two are compared per target. */
  outputTokensCounted: number | null;
  /** The output token limit the request asked for (max_tokens / max_completion_tokens). */
  requestedOutputTokens: number;
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** null on success; one of a closed set otherwise. */
  errorKind: ErrorKind | null;
  /** Short, secret-free description of the failure ('' on success). */
  errorMessage: string;
  /** The server's finish_reason ('' when unknown). */
  finishReason: string;
  /**
   * The server's own time for the request, as it reports it (Bedrock's metrics.latencyMs), ms; null when it reports
   * none. Beside the client's E2E it shows the network's (and the front end's) share.
   */
  serverLatencyMs: number | null;
  /**
   * The provider's rate-limit headroom as the response's headers stated it (OpenAI and Azure `x-ratelimit-*`, Anthropic
   * `anthropic-ratelimit-*`): requests and tokens left in the current window, and the window's limits; null when the
   * response did not say.
   */
  rateLimitRequestsRemaining: number | null;
  rateLimitRequestsLimit: number | null;
  rateLimitTokensRemaining: number | null;
  rateLimitTokensLimit: number | null;
}

export type RequestPhase = 'warmup' | 'measure';

/**
 * DROP_REASONS are why an arrival was never sent: the scenario's in-flight cap (max_in_flight);
 * the generator's own limits — its connection cap (connection_cap) or its lateness, an arrival it
 * could only have sent more than load.maxDispatchLag after its schedule (generator_lag); a target
 * that asked to be left alone (rate_limited: its Retry-After is pending), that is failing
 * (unavailable: its breaker is open), or that was stopped for the rest of the run after refusing
 * every request (target_stopped: load.stopAfterRefusals).
 */
export const DROP_REASONS = ['max_in_flight', 'connection_cap', 'generator_lag', 'rate_limited', 'unavailable', 'target_stopped'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** GENERATOR_DROPS are the drops that are the generator's own doing: they count against the run's validity, never against a target. */
export const GENERATOR_DROPS: ReadonlySet<DropReason> = new Set<DropReason>(['connection_cap', 'generator_lag']);

/** BackoffReason is why a closed-loop user waited before sending: the target's Retry-After, or its failures. */
export type BackoffReason = 'rate_limited' | 'error';

/**
 * ConnectionUse says whether a request opened its connection ('new'), tried and failed to ('failed'), rode a kept-alive
 * one ('reused'), or never got that far ('').
 */
export type ConnectionUse = 'new' | 'failed' | 'reused' | '';

/** TokenSource says which token count a result carries: the server's `usage`, or our tokenizer's. */
export type TokenSource = 'usage' | 'counted';

/** ttftMs is the time to the first token (reasoning or content), from the scheduled time; null if none arrived. */
export function ttftMs(r: RequestResult): number | null {
  return r.firstTokenAtMs === null ? null : r.firstTokenAtMs - r.scheduledAtMs;
}

/** ttfcMs is the time to the first content token, from the scheduled time: equal to TTFT unless reasoning came first. */
export function ttfcMs(r: RequestResult): number | null {
  return r.firstContentAtMs === null ? null : r.firstContentAtMs - r.scheduledAtMs;
}

/** e2eMs is the end-to-end latency, from the scheduled time to the last byte. */
export function e2eMs(r: RequestResult): number {
  return r.endAtMs - r.scheduledAtMs;
}

/** headersMs is the time to response headers, from the scheduled time; null if none arrived. */
export function headersMs(r: RequestResult): number | null {
  return r.headersAtMs === null ? null : r.headersAtMs - r.scheduledAtMs;
}

/**
 * tpotMs is the time per output token after the first: (E2E − TTFT) / (output tokens − 1).
 * Undefined (null) for failed requests and for completions of fewer than two tokens.
 */
export function tpotMs(r: RequestResult): number | null {
  const ttft = ttftMs(r);
  if (r.errorKind !== null || ttft === null || r.outputTokens < 2) return null;
  return (e2eMs(r) - ttft) / (r.outputTokens - 1);
}

/**
 * stoppedAtLimit says whether a completion stopped at its output-token limit: finish reason `length` (OpenAI and
 * OpenAI-compatible servers) or `max_tokens` (Anthropic, Bedrock Converse).
 */
export function stoppedAtLimit(r: RequestResult): boolean {
  return r.finishReason === 'length' || r.finishReason === 'max_tokens';
}

/**
 * dispatchLagMs is how late the generator itself sent the request: scheduled → sent, less any
 * time spent queued for an in-flight slot. Near 0 for a healthy generator; it is the generator's
 * own delay, inside every response-time number.
 */
export function dispatchLagMs(r: RequestResult): number {
  return Math.max(0, r.sentAtMs - r.scheduledAtMs - r.queuedMs);
}

/** serviceTtftMs is TTFT from the actual send (service time), beside ttftMs from the schedule (response time). */
export function serviceTtftMs(r: RequestResult): number | null {
  return r.firstTokenAtMs === null ? null : r.firstTokenAtMs - r.sentAtMs;
}

/** serviceE2eMs is end-to-end latency from the actual send (service time). */
export function serviceE2eMs(r: RequestResult): number {
  return r.endAtMs - r.sentAtMs;
}

/** ResultLabels are what a new RequestResult must be told: which request, where, when scheduled. */
export type ResultLabels = Pick<
  ResultBase,
  | 'id'
  | 'phase'
  | 'target'
  | 'region'
  | 'provider'
  | 'model'
  | 'workload'
  | 'turn'
  | 'step'
  | 'scheduledAtMs'
  | 'queuedMs'
  | 'inputTokens'
  | 'requestedOutputTokens'
>;

/**
 * newResult makes an AttemptResult in its "nothing happened yet" state: no times but the schedule,
 * no tokens out, no error, a direct (un-routed) first attempt. The one place the record's defaults live.
 */
export function newResult(l: ResultLabels): AttemptResult {
  // Every field written out in one literal, in the interface's order: V8 builds it from one
  // shape. (With `...l` first it took ~74 µs per record on Node 20 against ~0.1 µs: see
  // bench/README.md, "Hot path".)
  return {
    kind: 'attempt',
    id: l.id,
    phase: l.phase,
    target: l.target,
    region: l.region,
    provider: l.provider,
    model: l.model,
    workload: l.workload,
    turn: l.turn,
    step: l.step,
    route: '',
    attempt: 1,
    parentId: null,
    providerRequestId: '',
    retryAfterMs: null,
    scheduledAtMs: l.scheduledAtMs,
    sentAtMs: l.scheduledAtMs,
    queuedMs: l.queuedMs,
    connection: '',
    dnsMs: null,
    tcpMs: null,
    tlsMs: null,
    headersAtMs: null,
    firstTokenAtMs: null,
    firstContentAtMs: null,
    endAtMs: l.scheduledAtMs,
    itlMs: [],
    coalescedGaps: 0,
    contentDeltas: 0,
    reasoningDeltas: 0,
    inputTokens: l.inputTokens,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    cacheWrite1hInputTokens: 0,
    tokenSource: 'counted',
    outputTokensCounted: null,
    requestedOutputTokens: l.requestedOutputTokens,
    status: 0,
    errorKind: null,
    errorMessage: '',
    finishReason: '',
    serverLatencyMs: null,
    rateLimitRequestsRemaining: null,
    rateLimitRequestsLimit: null,
    rateLimitTokensRemaining: null,
    rateLimitTokensLimit: null,
  };
}

/** OutcomeLabels are what a RouteOutcome takes from its route and call rather than from its serving attempt. */
export type OutcomeLabels = Pick<
  RouteOutcome,
  | 'id'
  | 'target'
  | 'region'
  | 'provider'
  | 'route'
  | 'scheduledAtMs'
  | 'sentAtMs'
  | 'queuedMs'
  | 'attempts'
  | 'servedBy'
  | 'timeLostMs'
  | 'failoverMs'
>;

/**
 * routeOutcome makes a RouteOutcome from the attempt that served it (or the last one tried, or a
 * record that never went out when no hop was available): the route's labels and the failover's
 * numbers from `o`, every other field, timings and tokens included, from `from`.
 */
export function routeOutcome(from: ResultBase, o: OutcomeLabels): RouteOutcome {
  // One literal in the interface's order, as in newResult: one shape, no spread (one per routed request).
  return {
    kind: 'outcome',
    id: o.id,
    phase: from.phase,
    target: o.target,
    region: o.region,
    provider: o.provider,
    model: from.model,
    workload: from.workload,
    turn: from.turn,
    step: from.step,
    route: o.route,
    attempts: o.attempts,
    servedBy: o.servedBy,
    timeLostMs: o.timeLostMs,
    failoverMs: o.failoverMs,
    providerRequestId: from.providerRequestId,
    retryAfterMs: from.retryAfterMs,
    scheduledAtMs: o.scheduledAtMs,
    sentAtMs: o.sentAtMs,
    queuedMs: o.queuedMs,
    connection: from.connection,
    dnsMs: from.dnsMs,
    tcpMs: from.tcpMs,
    tlsMs: from.tlsMs,
    headersAtMs: from.headersAtMs,
    firstTokenAtMs: from.firstTokenAtMs,
    firstContentAtMs: from.firstContentAtMs,
    endAtMs: from.endAtMs,
    itlMs: from.itlMs,
    coalescedGaps: from.coalescedGaps,
    contentDeltas: from.contentDeltas,
    reasoningDeltas: from.reasoningDeltas,
    inputTokens: from.inputTokens,
    outputTokens: from.outputTokens,
    cachedInputTokens: from.cachedInputTokens,
    cacheWriteInputTokens: from.cacheWriteInputTokens,
    cacheWrite1hInputTokens: from.cacheWrite1hInputTokens,
    tokenSource: from.tokenSource,
    outputTokensCounted: from.outputTokensCounted,
    requestedOutputTokens: from.requestedOutputTokens,
    status: from.status,
    errorKind: from.errorKind,
    errorMessage: from.errorMessage,
    finishReason: from.finishReason,
    serverLatencyMs: from.serverLatencyMs,
    rateLimitRequestsRemaining: from.rateLimitRequestsRemaining,
    rateLimitRequestsLimit: from.rateLimitRequestsLimit,
    rateLimitTokensRemaining: from.rateLimitTokensRemaining,
    rateLimitTokensLimit: from.rateLimitTokensLimit,
  };
}
