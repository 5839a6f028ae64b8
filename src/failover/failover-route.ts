import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { resultFor, type ChatCall, type Hit } from '../client/chat-client.js';
import type { Clock } from '../metrics/clock.js';
import type { ErrorKind } from '../scenario/error-kinds.js';
import { routeOutcome, type AttemptResult, type RouteOutcome } from '../metrics/request-result.js';
import { routeLabels } from '../metrics/recorder.js';
import type { FailoverRoute } from '../scenario/schema.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { RetryBudget } from './retry-budget.js';

/** Hop is one target of a route: its client (with the route's attempt timeouts) and its breaker. */
export interface Hop {
  target: string;
  hit: Hit<AttemptResult>;
  breaker: CircuitBreaker;
}

/** RouteDeps are the shared pieces a route composes around its hops. */
export interface RouteDeps {
  clock: Clock;
  budget: RetryBudget;
  /** Per target: until when (run clock, ms) a Retry-After asked us to stay away. */
  retryAfterUntil: Map<string, number>;
  /** Fresh ids for attempts (the user-level record keeps the call's id). */
  nextId: () => number;
  /** Receives every attempt (recorded against its target: raw error rates). */
  onAttempt: (r: AttemptResult) => void;
  /** Seeded jitter source in [0, 1). */
  random: () => number;
  /** Stops backoff waits when the run stops. */
  stop?: AbortSignal;
  /** The longest Retry-After honoured (load.maxRetryAfter); absent: as asked. */
  maxRetryAfterMs?: number;
  /** Whether a target was stopped for the rest of the run: its hop is unavailable. */
  isStopped?: (target: string) => boolean;
  /** Told when the retry budget refused a retry of `call`. */
  onRetryDenied?: (call: ChatCall) => void;
}

/**
 * failoverRoute composes a failover policy around the hops' clients (it is not a flag inside the
 * client): it sends to the first available hop in chain order — skipping hops whose breaker is
 * open or whose Retry-After has not passed — and on a failure the policy names, moves to the next,
 * within the attempt cap and the retry budget, backing off before a hop already tried. Once a
 * hop has streamed content to the user, a failure is final (it cannot be taken back).
 *
 * It resolves with ONE RouteOutcome per call — served or failed, exactly once — and hands each
 * attempt to `onAttempt`.
 */
export function failoverRoute(route: FailoverRoute, hops: readonly Hop[], deps: RouteDeps): Hit<RouteOutcome> {
  const triggers = new Set<ErrorKind>(route.on);
  const { retry } = route;
  return async function hit(call: ChatCall): Promise<RouteOutcome> {
    const { clock } = deps;
    deps.budget.deposit();
    const tried = new Set<string>();
    let attempts = 0;
    let timeLost = 0;
    let firstSentAt: number | null = null;
    let last: AttemptResult | null = null;
    for (;;) {
      const now = clock.now();
      const hop = pick(hops, tried, now, deps);
      if (!hop) break; // nothing available: the request fails with what we have
      if (attempts > 0) {
        if (attempts >= retry.maxAttempts) break;
        if (!deps.budget.tryRetry(now)) {
          deps.onRetryDenied?.(call);
          break;
        }
        if (tried.has(hop.target)) await backoff(attempts, deps, retry.backoff);
        if (deps.stop?.aborted) break;
      }
      if (!hop.breaker.allow(clock.now())) continue; // lost a half-open trial slot to another request: pick again
      attempts++;
      tried.add(hop.target);
      const r = await hop.hit({
        ...call,
        id: deps.nextId(),
        scheduledAtMs: attempts === 1 ? call.scheduledAtMs : clock.now(),
        queuedMs: attempts === 1 ? (call.queuedMs ?? 0) : 0,
      });
      firstSentAt ??= r.sentAtMs;
      r.route = route.name;
      r.attempt = attempts;
      r.parentId = call.id;
      hop.breaker.record(r.endAtMs, r.errorKind === null);
      deps.onAttempt(r);
      last = r;
      if (r.errorKind === null) break;
      if (r.retryAfterMs !== null && retry.honorRetryAfter)
        deps.retryAfterUntil.set(hop.target, r.endAtMs + Math.min(r.retryAfterMs, deps.maxRetryAfterMs ?? Infinity));
      if (!triggers.has(r.errorKind) || r.firstContentAtMs !== null) break;
      timeLost += r.endAtMs - r.scheduledAtMs;
    }
    return userOutcome(route, call, last, attempts, timeLost, firstSentAt, clock);
  };
}

// The first hop in chain order that is available now and not yet tried; failing that, the first
// available one already tried (a second round, after backoff).
function pick(hops: readonly Hop[], tried: ReadonlySet<string>, now: number, deps: RouteDeps): Hop | undefined {
  const usable = (h: Hop) => h.breaker.available(now) && (deps.retryAfterUntil.get(h.target) ?? 0) <= now && !deps.isStopped?.(h.target);
  return hops.find((h) => !tried.has(h.target) && usable(h)) ?? hops.find(usable);
}

async function backoff(attempts: number, deps: RouteDeps, b: FailoverRoute['retry']['backoff']): Promise<void> {
  const base = Math.min(b.max, b.initial * b.multiplier ** Math.max(0, attempts - 1));
  const ms = Math.max(0, base * (1 + b.jitter * (2 * deps.random() - 1)));
  if (ms <= 0) return;
  const due = deps.clock.now() + ms;
  await sleep(ms, undefined, deps.stop ? { signal: deps.stop } : undefined).catch(() => undefined);
  while (!deps.stop?.aborted && deps.clock.now() < due) await yieldToLoop();
}

// The user's view of a routed request: when it started (the call's schedule), who served it, what
// the failover cost. Timings after the start are the serving (or last) attempt's.
function userOutcome(
  route: FailoverRoute,
  call: ChatCall,
  last: AttemptResult | null,
  attempts: number,
  timeLost: number,
  firstSentAt: number | null,
  clock: Clock,
): RouteOutcome {
  const now = clock.now();
  const base =
    last ??
    Object.assign(resultFor(call, routeLabels(route.name)), {
      sentAtMs: now,
      endAtMs: now,
      errorKind: 'circuit_open' as const,
      errorMessage: `every hop of ${route.name} is unavailable (breaker open, Retry-After pending or target stopped)`,
    });
  const served = last !== null && last.errorKind === null;
  // The user waited from the start: the record's latencies count from the call's schedule.
  return routeOutcome(base, {
    id: call.id,
    target: route.name,
    region: '',
    provider: 'route',
    route: route.name,
    scheduledAtMs: call.scheduledAtMs,
    sentAtMs: firstSentAt ?? base.sentAtMs,
    queuedMs: call.queuedMs ?? 0,
    attempts,
    servedBy: served ? last.target : '',
    timeLostMs: timeLost,
    // Served by a fallback: by any hop but the chain's first (the primary) — after failed attempts,
    // or because the primary was skipped (breaker open, Retry-After pending). A retry the primary
    // itself served is not a failover. One definition for every counter and histogram.
    failoverMs: served && last.target !== route.chain[0] && last.firstTokenAtMs !== null ? last.firstTokenAtMs - call.scheduledAtMs : null,
  });
}
