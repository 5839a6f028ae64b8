import type { Endpoint, Hit } from '../client/chat-client.js';
import { chatClient } from '../client/chat-client.js';
import { countedInFlight } from '../client/in-flight.js';
import { transport, type Transport } from '../client/transport.js';
import type { Catalog } from '../cost/catalog.js';
import type { Clock } from '../metrics/clock.js';
import type { AttemptResult } from '../metrics/request-result.js';
import { isMeasured, isRetry } from '../metrics/counting.js';
import { deriveSeed, prng } from '../random/prng.js';
import type { FailoverRoute, Scenario } from '../scenario/schema.js';
import type { Tokenizer } from '../workload/tokenizer.js';
import { CircuitBreaker, type BreakerTransition } from './circuit-breaker.js';
import { failoverRoute, type Hop } from './failover-route.js';
import { healthCheck } from './health-check.js';
import { OutageTracker, type Outage } from './outages.js';
import { RetryBudget } from './retry-budget.js';

/** RouteState is one assembled route: its policy objects, its Hit, and what it counted. */
export interface RouteState {
  route: FailoverRoute;
  hops: Hop[];
  budget: RetryBudget;
  hit: Hit;
  /** Retries made and retries the budget denied, in the measured phase (warmup's are not the run's). */
  retries: { made: number; denied: number };
  /** Tokens re-sent and received by retries (measured phase): extra on top of the users' requests. */
  retryTokens: { input: number; output: number };
  /** The model a routed request reserves its worst-case cost with: the chain's most expensive. */
  reserveModel: string;
}

/** AssembleDeps are what a run's failover routes need from it: its pool, clock, signals, prices, ids, and where attempts go. */
export interface AssembleDeps {
  pool: Transport;
  /** Where a route's own pool reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY (the run's environment). */
  env?: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  tokenizer: Tokenizer;
  stop: AbortSignal;
  hardStop?: AbortSignal;
  pricing?: Catalog;
  nextId: () => number;
  /** Prefix of the ids sent to providers that accept a client request id (the run id). */
  clientRequestIdPrefix?: string;
  /** Receives every attempt, after the routes' own bookkeeping. */
  onAttempt: (r: AttemptResult) => void;
  /** Whether a target was stopped for the rest of the run (it refused everything): its hops are unavailable. */
  isStopped?: (target: string) => boolean;
  /** Told +1 when an attempt goes to a hop's target and −1 when it comes back (a live in-flight count). */
  onInFlight?: (target: string, delta: 1 | -1) => void;
  /** Told of each attempt's first token as it arrives (live TTFT). */
  onFirstToken?: (r: AttemptResult) => void;
}

/**
 * FailoverSummary is the failover section of summary.json: per route its chain and retries; every breaker transition;
 * every outage as the client saw it.
 */
export interface FailoverSummary {
  /** Per route: its chain, and the retries it made and the budget denied in the measured phase (warmup excluded). */
  routes: { name: string; chain: string[]; retries: number; retriesDenied: number; retryTokens?: { input: number; output: number } }[];
  /** `part` (a merged run): the shard whose breaker it was, e.g. "shard 1/2 (us-east-1)". */
  breakers: (BreakerTransition & { route: string; part?: string })[];
  outages: (Outage & { part?: string })[];
}

/** Drill is a run's failover routes, with their timeline and the means to end them. */
export interface Drill {
  routes: RouteState[];
  /** The failover section of summary.json. */
  summary(): FailoverSummary;
  /** Stops health probes and closes the routes' own connection pools. */
  close(): Promise<void>;
}

/**
 * assembleRoutes builds each failover route of a scenario: clients of its hops with the route's
 * attempt timeouts (and, with its own connect timeout, its own pool), a circuit breaker per hop,
 * a retry budget, health probes — composed by failoverRoute around the clients. Breaker
 * transitions and outages are collected for the report.
 */
export function assembleRoutes(s: Scenario, endpointOf: (target: string) => Endpoint, deps: AssembleDeps): Drill {
  const drill: DrillState = { transitions: [], outages: new OutageTracker(), probes: [], pools: [] };
  const routes = (s.failover ?? []).map((route) => assembleRoute(s, route, endpointOf, deps, drill));
  return {
    routes,
    summary: () => ({
      routes: routes.map((rs) => ({
        name: rs.route.name,
        chain: rs.route.chain,
        retries: rs.retries.made,
        retriesDenied: rs.retries.denied,
        retryTokens: rs.retryTokens,
      })),
      breakers: drill.transitions.map(({ route, t }) => ({ route, ...t, atMs: Math.round(t.atMs * 1000) / 1000 })),
      outages: drill.outages.outages,
    }),
    async close() {
      for (const p of drill.probes) clearInterval(p);
      await Promise.all(drill.pools.map((p) => p.close()));
    },
  };
}

// What the routes of one drill share: the timeline they write and what close() must stop.
interface DrillState {
  transitions: { route: string; t: BreakerTransition }[];
  outages: OutageTracker;
  probes: NodeJS.Timeout[];
  pools: Transport[];
}

// assembleRoute builds one route: its pool, its hops (client + breaker each), its retry budget
// and health probes, composed by failoverRoute.
function assembleRoute(
  s: Scenario,
  route: FailoverRoute,
  endpointOf: (target: string) => Endpoint,
  deps: AssembleDeps,
  drill: DrillState,
): RouteState {
  const { clock } = deps;
  const pool =
    route.attemptTimeouts.connect !== undefined
      ? transport({ connectTimeoutMs: route.attemptTimeouts.connect, connection: s.connection, ...(deps.env ? { env: deps.env } : {}) })
      : deps.pool;
  if (pool !== deps.pool) drill.pools.push(pool);
  const retryTokens = { input: 0, output: 0 };
  const retries = { made: 0, denied: 0 };
  const hops = hopsOf(s, route, endpointOf, pool, deps, drill);
  const budget = new RetryBudget(route.retry.budget, route.retry.minPerSec);
  const jitter = prng(deriveSeed(s.seed, `jitter:${route.name}`));
  const hit = failoverRoute(route, hops, {
    clock,
    budget,
    retryAfterUntil: new Map(),
    nextId: deps.nextId,
    random: () => jitter.next(),
    maxRetryAfterMs: s.load.maxRetryAfter,
    stop: deps.stop,
    ...(deps.isStopped ? { isStopped: deps.isStopped } : {}),
    onRetryDenied: (call) => {
      if (call.phase === 'measure') retries.denied++;
    },
    onAttempt: (r) => {
      if (isRetry(r) && isMeasured(r)) {
        // Retries re-send the prompt; what they bill comes on top of the user's request.
        retries.made++;
        retryTokens.input += r.inputTokens;
        retryTokens.output += r.outputTokens;
      }
      drill.outages.attempt(r);
      deps.onAttempt(r);
    },
  });
  if (route.healthProbe) {
    const probe = route.healthProbe;
    // Active health checks feed each hop's breaker, so a primary that is back is known to be.
    for (const h of hops)
      drill.probes.push(
        setInterval(
          () => void healthCheck(endpointOf(h.target), pool, probe.timeout).then((ok) => h.breaker.probe(clock.now(), ok)),
          probe.interval,
        ),
      );
  }
  const price = (model: string) => deps.pricing?.lookup(model)?.outputMicros ?? 0n;
  const models = route.chain.map((n) => endpointOf(n).model);
  return { route, hops, budget, hit, retries, retryTokens, reserveModel: models.reduce((a, m) => (price(m) > price(a) ? m : a)) };
}

// A route's hops: a client of each target in its chain, with the route's attempt timeouts, and a
// circuit breaker whose transitions go to the drill's timeline.
function hopsOf(
  s: Scenario,
  route: FailoverRoute,
  endpointOf: (target: string) => Endpoint,
  pool: Transport,
  deps: AssembleDeps,
  drill: DrillState,
): Hop[] {
  const b = route.breaker;
  const clientOf = (name: string) => {
    const hit = chatClient(endpointOf(name), {
      transport: pool,
      clock: deps.clock,
      tokenizer: deps.tokenizer,
      firstTokenTimeoutMs: route.attemptTimeouts.firstToken ?? s.timeouts.firstToken,
      totalTimeoutMs: route.attemptTimeouts.total ?? s.timeouts.total,
      ...(deps.clientRequestIdPrefix ? { clientRequestIdPrefix: deps.clientRequestIdPrefix } : {}),
      ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
      ...(deps.onFirstToken ? { onFirstToken: deps.onFirstToken } : {}),
    });
    const onInFlight = deps.onInFlight;
    return onInFlight ? countedInFlight(hit, (d) => onInFlight(name, d)) : hit;
  };
  const policy = {
    failures: b.failures,
    ...(b.errorRate ? { errorRate: { above: b.errorRate.above, windowMs: b.errorRate.window, minRequests: b.errorRate.minRequests } } : {}),
    openForMs: b.openFor,
    halfOpenProbes: b.halfOpenProbes,
  };
  return route.chain.map((name) => ({
    target: name,
    hit: clientOf(name),
    breaker: new CircuitBreaker(name, policy, (t) => {
      drill.transitions.push({ route: route.name, t });
      drill.outages.transition(route.name, t);
    }),
  }));
}
