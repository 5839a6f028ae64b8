import { z } from 'zod';
import { decodeHistogram, latencyStats, newHistogram, NO_STATS, type Histogram, type LatencyStats } from '../metrics/histogram.js';
import type { GroupSummary } from '../metrics/group-summary.js';
import type { GroupAccumulator, GroupScope } from '../metrics/recorder.js';
import type { AllRequestsMetric, LatencyMetric } from '../scenario/metric-names.js';
import { allRequestsStats, type AllRequestsStats } from '../metrics/all-requests.js';
import { thresholdCheckSchema, type Scenario } from '../scenario/schema.js';
import { parseThreshold, type Threshold } from '../scenario/threshold.js';

// The one judge of the threshold grammar (scenario/threshold.ts): the scenario's thresholds on a
// finished run and, for abortOnFail, on the live accumulators mid-run; and the SLO conditions of
// the decision table and the sweep, on one group. Every verdict reads its figures through figureOf.

/** JudgedCost is what a group's traffic cost, as a threshold may bound it (cost/ computes it; it comes here as data). */
export interface JudgedCost {
  perSuccessfulRequestUsd?: number | null;
  per1kRequestsUsd?: number | null;
  per1MOutputTokensUsd?: number | null;
  totalUsd?: number | null;
}

/** JudgedGroup is a group with what its traffic cost, when the run was priced (the amounts a threshold may bound). */
export type JudgedGroup = GroupSummary & { cost?: JudgedCost };

/** ThresholdFilter narrows a threshold to the requests of a target, region, model, route or workload (all given must match). */
export interface ThresholdFilter {
  target?: string;
  region?: string;
  model?: string;
  route?: string;
  workload?: string;
  /** target: each matching target judged on its own (default: together). */
  per?: 'target';
}

/** ThresholdCheck is one threshold judged on one set of requests. */
export interface ThresholdCheck {
  /** The condition as written, e.g. "ttft.p99 < 600ms". */
  threshold: string;
  /** Its filter as written ({} = judged on each target on its own). */
  filter: ThresholdFilter;
  /** What it was judged on, for people: a target's name, or the filter's requests ("region eu-west-1"). */
  on: string;
  /** The measured value (ms, a share, USD, or per second, as the metric is); null when nothing was measured, which fails. */
  actual: number | null;
  /** The bound, in the same unit. */
  limit: number;
  unit: 'ms' | 'share' | 'usd' | 'per_s';
  pass: boolean;
  /**
   * An all-requests percentile (`ttft.all.p99`) that fell among the failures, slower than any success: `actual` is
   * null and the check fails, for that reason rather than for no data.
   */
  beyondSuccesses?: true;
}

/** ThresholdsSummary is the verdict of a run's thresholds. */
export interface ThresholdsSummary {
  /** false when the run is invalid: its numbers are the generator's too, so nothing passes (the run exits with its own code). */
  evaluated: boolean;
  /** Every check passed; null when not evaluated. */
  passed: boolean | null;
  checks: ThresholdCheck[];
  /** The threshold with abortOnFail that stopped the run, what it read, and when (run clock, ms). */
  abortedBy?: {
    threshold: string;
    on: string;
    atMs: number;
    actual: number | null;
    unit: ThresholdCheck['unit'];
    /** The figure was an all-requests percentile among the failures (actual null). */
    beyondSuccesses?: true;
  };
}

/** ThresholdResult is one SLO condition judged on one group. */
export interface ThresholdResult {
  threshold: string;
  /** The measured value; null when there was nothing to measure (which fails the threshold). */
  actual: number | null;
  pass: boolean;
}

/** ThresholdSpec is one of the scenario's thresholds, parsed. */
export interface ThresholdSpec {
  threshold: Threshold;
  filter: ThresholdFilter;
  abortOnFail: boolean;
  /** With abortOnFail: how long after the first measured request it starts to be judged (a p99 of 3 requests says little). */
  delayAbortEvalMs: number;
}

/** Judging is what a run is judged by: the SLO of its decision table, and its thresholds, parsed. */
export interface Judging {
  slo?: readonly string[];
  thresholdSpecs: readonly ThresholdSpec[];
}

/** thresholdSpecs parses a validated scenario's thresholds. */
export function thresholdSpecs(s: Pick<Scenario, 'thresholds'>): ThresholdSpec[] {
  return (s.thresholds ?? []).map((t) => {
    const entry = typeof t === 'string' ? { check: t, abortOnFail: false, delayAbortEval: 0 } : t;
    const parsed = parseThreshold(entry.check);
    if ('error' in parsed)
      throw new Error(`threshold ${JSON.stringify(entry.check)} passed validation but does not parse: ${parsed.error}`);
    const filter: ThresholdFilter = {};
    for (const k of ['target', 'region', 'model', 'route', 'workload'] as const)
      if (typeof t !== 'string' && t[k] !== undefined) filter[k] = t[k];
    if (typeof t !== 'string' && t.per === 'target') filter.per = 'target';
    return { threshold: parsed, filter, abortOnFail: entry.abortOnFail, delayAbortEvalMs: entry.delayAbortEval };
  });
}

/** judgingOf is what a validated scenario is judged by. */
export function judgingOf(s: Pick<Scenario, 'slo' | 'thresholds'>): Judging {
  return { ...(s.slo ? { slo: s.slo } : {}), thresholdSpecs: thresholdSpecs(s) };
}

// The scenario echo of summary.json (runner/scenario-echo.ts) holds the validated scenario:
// defaults filled and durations already in ms, so its thresholds are read with this, not the
// scenario schema (which parses duration strings).
const echoSchema = z.object({
  slo: z.array(z.string()).optional(),
  thresholds: z
    .array(
      z.union([
        z.string(),
        // The scenario's own fields (one definition), with delayAbortEval already in ms.
        z.object({ ...thresholdCheckSchema.shape, delayAbortEval: z.number().default(0) }),
      ]),
    )
    .optional(),
});

/** judgingOfEcho reads what a run is judged by from the scenario echo of its summary.json, or says why it cannot. */
export function judgingOfEcho(echo: unknown): Judging | { error: string } {
  const r = echoSchema.safeParse(echo);
  if (!r.success) return { error: r.error.issues.map((i) => `${i.path.join('.') || 'scenario'}: ${i.message}`).join('; ') };
  for (const t of r.data.thresholds ?? []) {
    const check = typeof t === 'string' ? t : t.check;
    const parsed = parseThreshold(check);
    if ('error' in parsed) return { error: `threshold ${JSON.stringify(check)}: ${parsed.error}` };
  }
  return judgingOf(r.data);
}

/**
 * Judgeable is what a threshold reads of a set of requests: the same figures whether they come
 * from the final summary or, for abortOnFail, from the live accumulators mid-run.
 */
interface Judgeable {
  scope: GroupScope;
  target: string;
  region: string;
  model: string;
  workload?: string;
  step?: string;
  total: number;
  failed: number;
  ok: number;
  outputTokens: number;
  requestsPerSec: number | null;
  outputTokensPerSec: number | null;
  /** Good and judged requests, and good ones per second; null when no goodput bound applies (metrics/goodput.ts). */
  goodput: { good: number; total: number; perSec: number | null } | null;
  cost: JudgedCost | null;
  stats(m: LatencyMetric): LatencyStats;
  allStats(m: AllRequestsMetric): AllRequestsStats;
  histogram(m: LatencyMetric): Histogram | null;
}

function fromSummary(g: JudgedGroup): Judgeable {
  return {
    scope: g.scope,
    target: g.target,
    region: g.region,
    model: g.model,
    ...(g.workload !== undefined ? { workload: g.workload } : {}),
    ...(g.step ? { step: g.step } : {}),
    total: g.requests.total,
    failed: g.requests.failed,
    ok: g.requests.ok,
    outputTokens: g.tokens.output,
    requestsPerSec: g.throughput.requestsPerSec,
    outputTokensPerSec: g.throughput.outputTokensPerSec,
    goodput: g.goodput ?? null,
    cost: g.cost ?? null,
    stats: (m) => g.metrics[m],
    // A summary written before metrics.<m>.all: the same figure from its histogram and failure count.
    allStats: (m) =>
      g.metrics[m].all ??
      allRequestsStats(g.metrics[m].count ? decodeHistogram(g.histograms[m]) : undefined, g.requests.failed, g.requests.ok),
    histogram: (m) => (g.metrics[m].count ? decodeHistogram(g.histograms[m]) : null),
  };
}

/** CostOf prices a live target group for the abortOnFail judge (the caller holds the catalog); routes are not priced. */
export type CostOf = (g: GroupAccumulator) => JudgedCost;

function fromAccumulator(a: GroupAccumulator, costOf?: CostOf): Judgeable {
  const windowMs = Number.isFinite(a.windowStartMs) && a.windowEndMs > a.windowStartMs ? a.windowEndMs - a.windowStartMs : 0;
  const perSec = (n: number) => (windowMs > 0 ? (n * 1000) / windowMs : null);
  let cost: Judgeable['cost'] | undefined;
  return {
    scope: a.scope,
    target: a.labels.target,
    region: a.labels.region,
    model: a.labels.model,
    ...(a.labels.workload !== undefined ? { workload: a.labels.workload } : {}),
    ...(a.labels.step ? { step: a.labels.step } : {}),
    total: a.requests,
    failed: a.requests - a.ok,
    ok: a.ok,
    outputTokens: a.outputTokens,
    requestsPerSec: perSec(a.requests),
    outputTokensPerSec: perSec(a.outputTokens),
    goodput: a.goodput ? { good: a.goodput.good, total: a.goodput.total, perSec: perSec(a.goodput.good) } : null,
    // Priced only when a threshold asks (pricing walks the billed minutes).
    get cost() {
      if (cost === undefined) cost = costOf && a.scope !== 'route' ? costOf(a) : null;
      return cost;
    },
    stats: (m) => (a.histograms[m] ? latencyStats(a.histograms[m]) : NO_STATS),
    allStats: (m) => allRequestsStats(a.histograms[m], a.requests - a.ok, a.ok),
    histogram: (m) => a.histograms[m] ?? null,
  };
}

/** Subject is a set of requests a threshold is judged on: one group, or the groups its filter matches together. */
interface Subject {
  on: string;
  members: Judgeable[];
}

// subjectsOf: without a filter, each target on its own (each route, when the scenario has failover
// routes: the routes carry the users' requests); with one, the matching requests judged together.
function subjectsOf(spec: ThresholdSpec, groups: readonly Judgeable[]): Subject[] {
  const live = groups.filter((g) => !g.step);
  const f = spec.filter;
  if (f.route !== undefined) return [{ on: `route ${f.route}`, members: live.filter((g) => g.scope === 'route' && g.target === f.route) }];
  if (f.target === undefined && f.region === undefined && f.model === undefined && f.workload === undefined) {
    const routes = live.filter((g) => g.scope === 'route');
    if (routes.length) return routes.map((g) => ({ on: `route ${g.target}`, members: [g] }));
    return live.filter((g) => g.scope === 'target').map((g) => ({ on: `target ${g.target}`, members: [g] }));
  }
  const matches = (g: Judgeable) =>
    (f.target === undefined || g.target === f.target) &&
    (f.region === undefined || g.region === f.region) &&
    (f.model === undefined || g.model === f.model);
  let members = f.workload === undefined ? [] : live.filter((g) => g.scope === 'workload' && g.workload === f.workload && matches(g));
  // A scenario with one workload keeps no per-workload groups: its targets' requests are all that workload's.
  if (f.workload === undefined || (!members.length && !live.some((g) => g.scope === 'workload')))
    members = live.filter((g) => g.scope === 'target' && matches(g));
  const parts = [
    f.target !== undefined ? `target ${f.target}` : '',
    f.region !== undefined ? `region ${f.region}` : '',
    f.model !== undefined ? `model ${f.model}` : '',
    f.workload !== undefined ? `workload ${f.workload}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  if (f.per === 'target') {
    const targets = [...new Set(members.map((g) => g.target))];
    // Nothing matched is still a subject: it fails as "no data", rather than vanishing from the table.
    if (!targets.length) return [{ on: parts, members: [] }];
    return targets.map((t) => ({
      on: `target ${t}${f.workload !== undefined ? `, workload ${f.workload}` : ''}`,
      members: members.filter((g) => g.target === t),
    }));
  }
  const targets = new Set(members.map((g) => g.target)).size;
  return [{ on: f.target === undefined && targets > 1 ? `${parts} (${targets} targets)` : parts, members }];
}

// A figure a threshold reads: a number; null, nothing to measure; 'beyond', an all-requests percentile among the
// failures. Both of the last fail.
type Figure = number | null | 'beyond';

// figureOf: the figure a threshold reads of a subject.
function figureOf(t: Threshold, members: readonly Judgeable[]): Figure {
  if (!members.length) return null;
  const sum = (f: (g: Judgeable) => number) => members.reduce((n, g) => n + f(g), 0);
  switch (t.subject.kind) {
    case 'allLatency': {
      const { metric, stat } = t.subject;
      let all: AllRequestsStats;
      if (members.length === 1) all = members[0]!.allStats(metric);
      else {
        // Together: the members' successes and failures, added (as a merge adds them).
        const merged = newHistogram();
        for (const g of members) {
          const h = g.histogram(metric);
          if (h) merged.add(h);
        }
        all = allRequestsStats(
          merged,
          sum((g) => g.failed),
          sum((g) => g.ok),
        );
      }
      return all.beyondSuccesses.includes(stat) ? 'beyond' : all[stat];
    }
    case 'latency': {
      const { metric, stat } = t.subject;
      if (members.length === 1) return members[0]!.stats(metric)[stat];
      const merged = newHistogram();
      for (const g of members) {
        const h = g.histogram(metric);
        if (h) merged.add(h);
      }
      return merged.totalCount ? latencyStats(merged)[stat] : null;
    }
    case 'errorRate': {
      const total = sum((g) => g.total);
      return total ? sum((g) => g.failed) / total : null;
    }
    case 'requestsPerSec':
    case 'outputTokensPerSec': {
      // The members ran side by side: their rates add up.
      const kind = t.subject.kind;
      const rates = members.map((g) => g[kind]).filter((r): r is number => r !== null);
      return rates.length ? rates.reduce((a, b) => a + b, 0) : null;
    }
    case 'goodput':
    case 'goodputRate':
      return goodputValue(t.subject.kind, members);
    case 'cost':
      return costValue(t.subject.field, members);
  }
}

// goodputValue: the share of good requests among the members' judged ones, or their good requests per second, added up.
function goodputValue(kind: 'goodput' | 'goodputRate', members: readonly Judgeable[]): number | null {
  const gs = members.map((g) => g.goodput).filter((g) => g !== null);
  if (kind === 'goodputRate') {
    const rates = gs.map((g) => g.perSec).filter((r) => r !== null);
    return rates.length ? rates.reduce((a, b) => a + b, 0) : null;
  }
  const total = gs.reduce((n, g) => n + g.total, 0);
  return total ? gs.reduce((n, g) => n + g.good, 0) / total : null;
}

// costValue: one member's own figure; several together must all be priced, or the sum is not the cost.
function costValue(field: 'perRequest' | 'per1kRequests' | 'per1MOutputTokens' | 'total', members: readonly Judgeable[]): number | null {
  if (members.length === 1) {
    const c = members[0]!.cost;
    if (!c) return null;
    const figures = {
      perRequest: c.perSuccessfulRequestUsd,
      per1kRequests: c.per1kRequestsUsd,
      per1MOutputTokens: c.per1MOutputTokensUsd,
      total: c.totalUsd,
    };
    return figures[field] ?? null;
  }
  const totals = members.map((g) => g.cost?.totalUsd ?? null);
  if (totals.some((x) => x === null)) return null;
  const usd = totals.reduce((a, b) => a! + b!, 0)!;
  const sum = (f: (g: Judgeable) => number) => members.reduce((n, g) => n + f(g), 0);
  const ok = sum((g) => g.ok);
  const requests = sum((g) => g.total);
  const out = sum((g) => g.outputTokens);
  return {
    perRequest: ok ? usd / ok : null,
    per1kRequests: requests ? (usd * 1000) / requests : null,
    per1MOutputTokens: out ? (usd * 1e6) / out : null,
    total: usd,
  }[field];
}

function compare(a: number, op: Threshold['op'], b: number): boolean {
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

/**
 * thresholdUnit is the unit of a threshold's figure, from its text as written (a sweep's or the decision table's SLO
 * checks keep only the text): null when the text does not parse.
 */
export function thresholdUnit(source: string): ThresholdCheck['unit'] | null {
  const t = parseThreshold(source);
  return 'error' in t ? null : unitOf(t);
}

function unitOf(t: Threshold): ThresholdCheck['unit'] {
  switch (t.subject.kind) {
    case 'latency':
    case 'allLatency':
      return 'ms';
    case 'errorRate':
    case 'goodput':
      return 'share';
    case 'cost':
      return 'usd';
    default:
      return 'per_s';
  }
}

function check(spec: ThresholdSpec, subject: Subject): ThresholdCheck {
  const figure = figureOf(spec.threshold, subject.members);
  const actual = figure === 'beyond' ? null : figure;
  return {
    threshold: spec.threshold.source,
    filter: spec.filter,
    on: subject.on,
    actual: actual === null ? null : sig6(actual),
    limit: spec.threshold.value,
    unit: unitOf(spec.threshold),
    pass: actual !== null && compare(actual, spec.threshold.op, spec.threshold.value),
    ...(figure === 'beyond' ? { beyondSuccesses: true as const } : {}),
  };
}

/**
 * judgeThresholds judges a finished run: every threshold on every subject it names. An invalid
 * run's thresholds are shown but not judged (`evaluated: false`, `passed: null`): its numbers
 * include the generator's own trouble, so a pass would be a lie and a fail may be the generator's.
 */
export function judgeThresholds(
  specs: readonly ThresholdSpec[],
  groups: readonly JudgedGroup[],
  valid: boolean,
  abortedBy?: ThresholdsSummary['abortedBy'],
): ThresholdsSummary {
  const views = groups.map(fromSummary);
  const checks = specs.flatMap((spec) => subjectsOf(spec, views).map((subject) => check(spec, subject)));
  return {
    evaluated: valid,
    passed: valid ? checks.every((c) => c.pass) : null,
    checks,
    ...(abortedBy ? { abortedBy } : {}),
  };
}

/** judgeLive judges the abortOnFail thresholds on the live accumulators, mid-run; the first breach, or null. */
export function judgeLive(specs: readonly ThresholdSpec[], groups: Iterable<GroupAccumulator>, costOf?: CostOf): ThresholdCheck | null {
  const views = [...groups].map((g) => fromAccumulator(g, costOf));
  for (const spec of specs) {
    for (const subject of subjectsOf(spec, views)) {
      // No measured request yet is not a breach mid-run: there is nothing to judge.
      if (!subject.members.some((g) => g.total > 0)) continue;
      const c = check(spec, subject);
      // A percentile among the failures is a breach, not missing data.
      if (!c.pass && (c.actual !== null || c.beyondSuccesses)) return c;
    }
  }
  return null;
}

/**
 * evaluateThresholds judges one group against SLO conditions (the decision table's, a sweep
 * level's). A latency threshold on a metric with no samples fails: no evidence is not a pass.
 */
export function evaluateThresholds(ts: readonly Threshold[], g: JudgedGroup): ThresholdResult[] {
  const one = [fromSummary(g)];
  return ts.map((t) => {
    // The SLO reads the error rate and goodput the group reports (rounded as the summary shows them), not a recount.
    const figure =
      t.subject.kind === 'errorRate' ? g.requests.errorRate : t.subject.kind === 'goodput' ? (g.goodput?.ratio ?? null) : figureOf(t, one);
    const actual = figure === 'beyond' ? null : figure;
    return { threshold: t.source, actual, pass: actual !== null && compare(actual, t.op, t.value) };
  });
}

// Six significant digits: a cost per request can be a fraction of a micro-dollar, never rounded to 0.
function sig6(x: number): number {
  return Number(x.toPrecision(6));
}
