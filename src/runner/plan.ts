import { loadModelOf } from '../load/load-model.js';
import { loadForStep, sweepValues, DEFAULT_STEP_MS } from './sweep.js';
import { describe, meanOf } from '../random/distribution.js';
import { formatDurationMs } from '../scenario/duration.js';
import { mockProfileSchema, type Load, type Scenario, type Target } from '../scenario/schema.js';
import { apiRootOf, usesMock } from './endpoints.js';
import { PRESETS } from '../scenario/providers.js';
import { ASSUMED_LATENCY, type PlannedTarget } from '../cost/estimate.js';
import { totalWeight, weightedMean } from '../workload/mix.js';

/** TargetPlan is what `validate` says one target will do. */
export interface TargetPlan {
  target: string;
  region: string;
  provider: string;
  model: string;
  endpoint: string;
  /** The mock's latency model, for mock targets. */
  mockLatency?: string;
  /** Closed loop: virtual users (the start of a ramp). Open loop: null. */
  concurrency: number | null;
  /** Measured requests expected: exact for request counts and schedules, estimated for mocks in closed loops, null when unknown. */
  expectedRequests: number | null;
  exact: boolean;
  /** A closed loop against a real endpoint (expectedRequests null): the measured requests at ASSUMED_LATENCY, for the cost estimate. */
  assumedRequests?: number;
  /** Why expectedRequests is unknown, when it is not for want of latency (a failover hop gets only the attempts its routes send). */
  unknownBecause?: string;
}

/** RoutePlan is what `validate` says a failover route will do: it takes the load; its hops take its attempts. */
export interface RoutePlan {
  route: string;
  chain: string[];
  /** The chain's models, for the estimate (it prices a routed request at the dearest). */
  models: string[];
  /** User requests the route is expected to take (as a target would, with the full load). */
  expectedRequests: number | null;
  exact: boolean;
  /** As a target's: the requests at ASSUMED_LATENCY when expectedRequests depends on latency. */
  assumedRequests?: number;
}

/** Plan summarises a scenario's run before it starts. */
export interface Plan {
  scenario: string;
  load: string;
  stop: string;
  warmup: string;
  workload: string;
  timeouts: string;
  connection: string;
  /** How traffic reaches the targets: paired (each gets the full load, same prompts) or routed (one stream split by weight). */
  traffic: string;
  /** Capacity sweep levels, when the scenario sweeps. */
  sweep?: string;
  /** The thresholds, one line each: the condition and what it is judged on. */
  thresholds?: string[];
  targets: TargetPlan[];
  /** Failover routes: they take the load; the targets in their chains only the attempts they send. */
  routes?: RoutePlan[];
}

/** planScenario describes what a scenario will do: targets, load, and how many requests to expect. */
export function planScenario(s: Scenario, traceEntries?: number, useMock = false): Plan {
  const l = s.load;
  const mixWeight = totalWeight(s.workloads);
  const stop = [
    l.stages ? `after the stages (${formatDurationMs(stagesMs(l))})` : '',
    l.trace ? 'at the end of the trace' : '',
    l.duration !== undefined ? `after ${formatDurationMs(l.duration)}` : '',
    l.requests !== undefined ? `after ${l.requests} requests per target` : '',
  ]
    .filter(Boolean)
    .join(' or ');
  return {
    scenario: s.name,
    load: describeLoad(l, traceEntries),
    stop,
    warmup:
      l.warmup === undefined
        ? 'none'
        : 'requests' in l.warmup
          ? `${l.warmup.requests} requests per target`
          : formatDurationMs(l.warmup.durationMs),
    workload: s.workloads
      .map((w) => {
        const share = s.workloads.length > 1 ? ` (${+((w.weight / mixWeight) * 100).toFixed(1)}%)` : '';
        const prefix = w.sharedPrefixTokens ? ` incl. shared prefix ${w.sharedPrefixTokens}` : '';
        const prompt = w.dataset ? `dataset ${w.dataset.file} (${w.dataset.order})` : `prompt ${describe(w.promptTokens, ' tok')}${prefix}`;
        const turns = w.turns > 1 ? `, ${w.turns} turns, think ${describe(w.thinkTimeMs, 'ms')}` : '';
        const limit = `${w.tokenLimitField ?? 'token limit'} ${describe(w.maxTokens)}`;
        return `${w.name}${share}: ${prompt}, ${limit}, ${w.stream ? 'streaming' : 'non-streaming'}${turns}, ${w.encoding}`;
      })
      .join('\n            '),
    traffic: describeTraffic(s),
    timeouts: [
      `connect ${formatDurationMs(s.timeouts.connect)}`,
      `first token ${formatDurationMs(s.timeouts.firstToken)}`,
      `total ${formatDurationMs(s.timeouts.total)}`,
    ].join(', '),
    connection: s.connection === 'reuse' ? 'reuse (keep-alive pool)' : 'fresh (a new connection per request: handshakes inside TTFT)',
    ...withRoutes(
      s,
      s.targets.map((t) => (s.sweep ? sweptTargetPlan(s, t, traceEntries, useMock) : targetPlan(s, t, traceEntries, useMock))),
    ),
    ...(s.sweep ? { sweep: describeSweep(l, s.sweep) } : {}),
    ...(s.thresholds ? { thresholds: s.thresholds.map((t) => thresholdLine(t, Boolean(s.failover))) } : {}),
  };
}

// A threshold as the plan words it: the condition, what it is judged on, and whether it can stop the run.
function thresholdLine(t: NonNullable<Scenario['thresholds']>[number], routes: boolean): string {
  if (typeof t === 'string') return `${t} — each ${routes ? 'route' : 'target'}`;
  const filter = (['target', 'region', 'model', 'route', 'workload'] as const).filter((k) => t[k] !== undefined).map((k) => `${k} ${t[k]}`);
  const on = filter.length
    ? `${filter.join(', ')}${t.per === 'target' ? ', each target' : ', together'}`
    : `each ${routes ? 'route' : 'target'}`;
  const abort = t.abortOnFail
    ? `; stops the run when breached${t.delayAbortEval ? ` (judged from ${formatDurationMs(t.delayAbortEval)} in)` : ''}`
    : '';
  return `${t.check} — ${on}${abort}`;
}

// withRoutes: with failover routes the load drives the routes, each as a target would be driven;
// a target in a chain gets only the attempts its routes send, which depends on failures.
function withRoutes(s: Scenario, targets: TargetPlan[]): { targets: TargetPlan[]; routes?: RoutePlan[] } {
  if (!s.failover?.length) return { targets };
  const byName = new Map(targets.map((t) => [t.target, t]));
  const routes = s.failover.map((f) => {
    const first = byName.get(f.chain[0]!)!;
    return {
      route: f.name,
      chain: [...f.chain],
      models: f.chain.map((c) => byName.get(c)!.model),
      expectedRequests: first.expectedRequests,
      exact: first.exact,
      ...(first.assumedRequests !== undefined ? { assumedRequests: first.assumedRequests } : {}),
    };
  });
  const hops = new Set(s.failover.flatMap((f) => f.chain));
  return {
    routes,
    targets: targets.map(({ assumedRequests, ...t }) =>
      hops.has(t.target)
        ? { ...t, expectedRequests: null, exact: false, unknownBecause: 'attempts its routes send (depends on failures)' }
        : { ...t, ...(assumedRequests !== undefined ? { assumedRequests } : {}) },
    ),
  };
}

// How traffic reaches the targets, in the plan's words.
function describeTraffic(s: Scenario): string {
  if (s.routing) {
    const split = s.routing.map((r) => `${r.target} ${+((r.weight / totalWeight(s.routing!)) * 100).toFixed(1)}%`).join(' / ');
    return `routed: one stream split ${split} (requests are not paired across targets)`;
  }
  if (s.failover) {
    const routes = s.failover.map((f) => `${f.name}: ${f.chain.join(' → ')}`).join('; ');
    return (
      `failover: every route (${routes}) gets the full load and the same sequence of prompts (seed ${s.seed}); ` +
      'targets get the attempts their routes send'
    );
  }
  return `paired: every target gets the full load and the same sequence of prompts (seed ${s.seed})`;
}

// A sweep's levels, how each runs, and the SLO that judges them.
function describeSweep(l: Load, sweep: NonNullable<Scenario['sweep']>): string {
  const values = sweepValues(sweep);
  if ('search' in sweep) {
    const loop = loadModelOf(loadForStep(l, sweep, values[0]!)) === 'closed' ? 'a closed loop' : 'an open loop';
    const perLevel = formatDurationMs(sweep.stepDuration ?? l.duration ?? DEFAULT_STEP_MS);
    return (
      `search over ${sweep.over} (each level ${loop}) from ${sweep.search.from} to ${sweep.search.to}: doubling until ` +
      `${sweep.slo.join(', ')} fails, then bisecting; ${perLevel} per level`
    );
  }
  const loop = loadModelOf(loadForStep(l, sweep, values[0]!)) === 'closed' ? 'a closed loop' : 'an open loop';
  const perLevel = formatDurationMs(sweep.stepDuration ?? l.duration ?? DEFAULT_STEP_MS);
  return `over ${sweep.over} (each level ${loop}): ${values.join(', ')}; ${perLevel} per level; SLO ${sweep.slo.join(', ')}`;
}

function describeLoad(l: Load, traceEntries?: number): string {
  const model = loadModelOf(l);
  const cap = l.maxInFlight !== undefined ? `, maxInFlight ${l.maxInFlight} (overflow: ${l.overflow})` : '';
  if (model === 'trace') {
    const entries = traceEntries !== undefined ? ` (${traceEntries} arrivals)` : '';
    return `open loop, trace replay ${l.trace!.file}${entries}, time scale ×${l.trace!.timeScale}${cap}`;
  }
  if (model === 'open') {
    const steps = l.stages?.map((st) => `${st.rate}/s over ${formatDurationMs(st.duration)}`).join(' → ');
    const ramp = l.stages ? `ramping arrival rate from ${l.rate ?? 0}/s: ${steps}` : `${l.rate}/s`;
    return `open loop, ${l.arrivals} arrivals, ${ramp} per target${cap}`;
  }
  if (l.stages) {
    const steps = l.stages.map((st) => `${st.concurrency} over ${formatDurationMs(st.duration)}`).join(' → ');
    return `closed loop, ramping users from ${l.concurrency ?? 0}: ${steps} per target`;
  }
  return `closed loop, ${l.concurrency} concurrent per target`;
}

/**
 * sweepLevelsBound are the levels a sweep may run: a grid's levels; for a search, as many levels as its longest path
 * can probe (doubling from `from` to `to`, then bisecting what is left), each counted at `to` — an upper bound, so a
 * paid search is never dearer than its estimate.
 */
export function sweepLevelsBound(sweep: NonNullable<Scenario['sweep']>): number[] {
  if (!('search' in sweep)) return sweepValues(sweep);
  const { from, to } = sweep.search;
  const doublings = Math.ceil(Math.log2(to / from)) + 1;
  const bisections = Math.ceil(Math.log2(Math.max(1, to - from)));
  return Array.from({ length: doublings + bisections }, () => to);
}

// A swept target's plan: its requests summed over the sweep's levels (each the scenario's load at that level, the
// level's concurrency in place of the target's own), so the estimate prices the whole sweep, not its first level.
function sweptTargetPlan(s: Scenario, t: Target, traceEntries: number | undefined, useMock: boolean): TargetPlan {
  const sweep = s.sweep!;
  const levels = sweepLevelsBound(sweep);
  const plans = levels.map((v) => {
    const { concurrency: _own, ...rest } = t;
    return targetPlan({ ...s, load: loadForStep(s.load, sweep, v), sweep: undefined }, rest as Target, traceEntries, useMock);
  });
  const sum = (pick: (p: TargetPlan) => number | null | undefined) =>
    plans.reduce<number | null>((n, p) => (n === null || pick(p) == null ? null : n + pick(p)!), 0);
  const expected = sum((p) => p.expectedRequests);
  const assumed = sum((p) => p.expectedRequests ?? p.assumedRequests);
  return {
    ...plans[0]!,
    expectedRequests: expected,
    exact: 'search' in sweep ? false : plans.every((p) => p.exact),
    ...(expected === null && assumed !== null ? { assumedRequests: assumed } : {}),
  };
}

function stagesMs(l: Load): number {
  return (l.stages ?? []).reduce((t, st) => t + st.duration, 0);
}

function targetPlan(s: Scenario, t: Target, traceEntries: number | undefined, useMock: boolean): TargetPlan {
  const mocked = usesMock(t, useMock);
  const mock = mocked ? (t.mock ?? mockProfileSchema.parse({})) : undefined;
  const l = s.load;
  const model = loadModelOf(l);
  const concurrency = model === 'closed' ? (t.concurrency ?? l.concurrency ?? 0) : null;
  const warmupMs = l.warmup && 'durationMs' in l.warmup ? l.warmup.durationMs : 0;
  const warmupN = l.warmup && 'requests' in l.warmup ? l.warmup.requests : 0;
  let expected: number | null = null;
  let assumed: number | null = null;
  let exact = false;
  if (model === 'trace' && traceEntries !== undefined) {
    expected = Math.max(0, traceEntries - warmupN);
    exact = true;
  } else if (model === 'open') {
    // Arrivals = ∫ rate dt over the measured part of the schedule.
    // Stages include their warmup (subtract it); a constant rate adds its warmup before `duration`.
    const arrivals = l.stages
      ? rampArea(l.rate ?? 0, l.stages, warmupMs) - warmupN
      : l.duration !== undefined
        ? (l.rate! * l.duration) / 1000
        : Infinity;
    expected = Math.max(0, Math.floor(arrivals));
    exact = true;
  } else if (model === 'closed' && mock) {
    const out = mock.outputTokens === undefined ? Infinity : meanOf(mock.outputTokens);
    expected = closedLoopRequests(
      s,
      concurrency ?? 0,
      { rttMs: meanOf(mock.rttMs), ttftMs: meanOf(mock.ttftMs), itlMs: meanOf(mock.itlMs) },
      out,
    );
  } else if (model === 'closed') {
    // A real endpoint's count depends on its latency: the cost estimate assumes one (and says so).
    assumed = closedLoopRequests(s, concurrency ?? 0, { rttMs: 0, ...ASSUMED_LATENCY }, Infinity);
  }
  // One stream split by weight: this target gets its share.
  const share = s.routing ? totalWeight(s.routing.filter((r) => r.target === t.name)) / totalWeight(s.routing) : 1;
  if (s.routing && expected !== null) {
    expected = Math.round(expected * share);
    exact = false;
  }
  if (assumed !== null) assumed = Math.round(assumed * share);
  if (l.requests !== undefined) {
    // `requests` counts arrivals — conversations, for multi-turn workloads — so the measured
    // request count is that times the mean number of turns.
    const meanTurns = weightedMean(s.workloads, (w) => w.turns);
    const byCount = Math.round(l.requests * meanTurns);
    if (expected === null || byCount < expected) {
      expected = byCount;
      exact = s.workloads.every((w) => w.turns === 1) || s.workloads.length === 1;
    }
  }
  return {
    target: t.name,
    region: t.region,
    provider: t.provider,
    model: t.model,
    endpoint: mock
      ? (t.protocol ?? PRESETS[t.provider].protocol) === 'anthropic-messages'
        ? 'embedded mock (anthropic-messages)'
        : 'embedded mock'
      : apiRootOf(t)!,
    ...(mock
      ? { mockLatency: `rtt ${describe(mock.rttMs, 'ms')}, ttft ${describe(mock.ttftMs, 'ms')}, itl ${describe(mock.itlMs, 'ms')}` }
      : {}),
    concurrency,
    expectedRequests: expected,
    exact,
    ...(expected === null && assumed !== null ? { assumedRequests: assumed } : {}),
  };
}

// closedLoopRequests: each user completes one request per mean E2E (a ramp counts its average users); a conversation
// takes turns × E2E plus the think time between turns, and sends `turns` requests. Null when the loop has no end in
// time. `outputTokens` caps the workload's token limit (a mock that answers shorter).
function closedLoopRequests(
  s: Scenario,
  concurrency: number,
  latency: { rttMs: number; ttftMs: number; itlMs: number },
  outputTokens: number,
): number | null {
  const l = s.load;
  const maxTokens = weightedMean(s.workloads, (w) => meanOf(w.maxTokens));
  const turns = weightedMean(s.workloads, (w) => w.turns);
  const thinkMs = weightedMean(s.workloads, (w) => (w.turns - 1) * meanOf(w.thinkTimeMs));
  const out = Math.min(maxTokens, outputTokens);
  const e2eMs = latency.rttMs + latency.ttftMs + Math.max(0, out - 1) * latency.itlMs;
  const userMs = l.stages
    ? rampArea(
        concurrency,
        l.stages.map((st) => ({ duration: st.duration, rate: st.concurrency ?? 0 })),
        0,
      ) * 1000
    : concurrency * (l.duration ?? Infinity);
  return Number.isFinite(userMs) ? Math.floor((userMs / Math.max(1, e2eMs * turns + thinkMs)) * turns) : null;
}

/** rampArea is ∫ of a piecewise-linear per-second profile over the stages, from `skipMs` on (count of arrivals). */
function rampArea(start: number, stages: readonly { duration: number; rate?: number | undefined }[], skipMs: number): number {
  let from = start;
  let at = 0;
  let area = 0;
  for (const st of stages) {
    const to = st.rate ?? 0;
    const a = Math.max(at, skipMs);
    const b = at + st.duration;
    if (b > a) {
      const rateAt = (t: number) => from + ((to - from) * (t - at)) / st.duration;
      area += ((rateAt(a) + rateAt(b)) / 2) * ((b - a) / 1000);
    }
    at += st.duration;
    from = to;
  }
  return area;
}

/**
 * plannedSpend is what a run's cost estimate prices: each target on a real endpoint, or — with
 * failover routes, which carry the load — each route whose chain reaches one, at its chain's
 * dearest model. Embedded mocks cost nothing and are left out.
 */
export function plannedSpend(s: Scenario, plan: Plan, useMock: boolean): PlannedTarget[] {
  const real = new Set(s.targets.filter((t) => !usesMock(t, useMock)).map((t) => t.name));
  if (plan.routes)
    return plan.routes
      .filter((r) => r.chain.some((c) => real.has(c)))
      .map((r) => ({
        target: r.route,
        model: r.models[0]!,
        models: r.models,
        expectedRequests: r.expectedRequests,
        ...(r.assumedRequests !== undefined ? { assumedRequests: r.assumedRequests } : {}),
      }));
  return plan.targets.filter((t) => real.has(t.target));
}
