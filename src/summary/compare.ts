import type { GroupSummary } from '../metrics/group-summary.js';
import type { RunSummary } from './run-summary.js';
import {
  DEFAULT_COMPARE_LATENCIES,
  DEFAULT_COMPARE_PERCENTILES,
  DEFAULT_GATE,
  metricId,
  parseCompareMetric,
  type CompareMetric,
  type ComparePercentile,
} from './compare-metrics.js';
import { compareMetric, GroupSide, type ComparedMetric, type RowOptions } from './compare-rows.js';
import type { LatencyMetric } from '../scenario/metric-names.js';

export { HistogramProblem, type ComparedMetric, type Verdict } from './compare-rows.js';

/** COMPARE_SCHEMA names and versions `compare --format json`. */
export const COMPARE_SCHEMA = { id: 'llm-bakeoff/compare', version: 1 } as const;

/** CompareOptions say what to compare and how sure a verdict must be. */
export interface CompareOptions extends RowOptions {
  /** Latencies compared, each at every one of `percentiles`. */
  latencies: readonly LatencyMetric[];
  percentiles: readonly ComparePercentile[];
  /** Metric names (`ttft.p50`, `errorRate`, `requestsPerSec`) whose regression fails the comparison; 'all': every metric compared. */
  gate: readonly string[] | 'all';
}

/**
 * DEFAULT_COMPARE_OPTIONS: 99 % intervals, 2,000 resamples, seed 1, 2 % and 0.1 percentage points of practical effect,
 * the default gate.
 */
export const DEFAULT_COMPARE_OPTIONS: CompareOptions = {
  latencies: DEFAULT_COMPARE_LATENCIES,
  percentiles: DEFAULT_COMPARE_PERCENTILES,
  gate: DEFAULT_GATE,
  confidence: 0.99,
  resamples: 2000,
  seed: 1,
  minEffect: 0.02,
  minErrorDelta: 0.001,
};

/** CompareSide says what one side of a comparison is: a run (file), or a target of a run. */
export interface CompareSide {
  /** `baseline`/`current`, or the target's name when two targets of one run are compared. */
  label: string;
  runId: string;
  file: string;
}

/** ComparedGroup is one group present on both sides, metric by metric. */
export interface ComparedGroup {
  /** The group's key (runs), or the baseline target's key (targets). */
  baselineKey: string;
  currentKey: string;
  scope: GroupSummary['scope'];
  /** Whether its gated metrics decide the exit code: target and route groups do; workload and turn breakdowns are shown only. */
  gates: boolean;
  metrics: ComparedMetric[];
}

/** Comparison is the whole answer of `compare`, the input of every compare report. */
export interface Comparison {
  schema: typeof COMPARE_SCHEMA.id;
  schemaVersion: typeof COMPARE_SCHEMA.version;
  /** runs: two runs, groups matched by key; targets: two targets of one run. */
  mode: 'runs' | 'targets';
  baseline: CompareSide;
  current: CompareSide;
  options: { confidence: number; resamples: number; seed: number; minEffect: number; minErrorDelta: number; gate: string[] };
  groups: ComparedGroup[];
  /** Group keys found on one side only (not compared). */
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  /** Gated metrics of gating groups that regressed: what fails the comparison. */
  regressions: { group: string; metric: string }[];
  /** Reasons the two sides may not be comparable, in words. */
  warnings: string[];
}

/** compareRuns compares two runs group by group (matched by key), metric by metric. */
export function compareRuns(
  baseline: RunSummary,
  current: RunSummary,
  sides: { baseline: CompareSide; current: CompareSide },
  o: CompareOptions = DEFAULT_COMPARE_OPTIONS,
): Comparison {
  const byKey = new Map(current.groups.map((g) => [g.key, g]));
  const baseKeys = new Set(baseline.groups.map((g) => g.key));
  const pairs = baseline.groups.filter((g) => byKey.has(g.key)).map((g) => [g, byKey.get(g.key)!] as const);
  const warnings = [...runWarnings(baseline, 'baseline'), ...runWarnings(current, 'current')];
  const nameOf = (s: RunSummary) => (s.scenario as { name?: string } | null)?.name;
  if (nameOf(baseline) !== nameOf(current))
    warnings.push(
      `the runs are of different scenarios (${nameOf(baseline) ?? '?'} and ${nameOf(current) ?? '?'}): ` +
        `differences may be the traffic's, not the targets'`,
    );
  if (baseline.loadModel !== current.loadModel)
    warnings.push(
      `the runs used different load models (${baseline.loadModel} and ${current.loadModel}): open-loop ` +
        `latencies count from the schedule, closed-loop ones do not`,
    );
  return assemble('runs', sides, pairs, o, {
    onlyInBaseline: baseline.groups.filter((g) => !byKey.has(g.key)).map((g) => g.key),
    onlyInCurrent: current.groups.filter((g) => !baseKeys.has(g.key)).map((g) => g.key),
    warnings,
  });
}

/**
 * compareTargets compares two targets (or routes) of one run: `baseline`'s groups against
 * `current`'s, its workload, turn and sweep-level breakdowns matched by what follows the name
 * in the key. Returns an error naming the targets the run has when one is not in it.
 */
export function compareTargets(
  run: RunSummary,
  file: string,
  baseline: string,
  current: string,
  o: CompareOptions = DEFAULT_COMPARE_OPTIONS,
): Comparison | { error: string } {
  if (baseline === current) return { error: `--targets names ${baseline} twice; name two different targets` };
  const own = (name: string) => run.groups.filter((g) => g.key === name || g.key.startsWith(`${name}/`) || g.key.startsWith(`${name}@`));
  const missing = [baseline, current].filter((n) => own(n).length === 0);
  if (missing.length) {
    const names = run.groups.filter((g) => g.scope === 'target' || g.scope === 'route').map((g) => g.key);
    return {
      error: `${file}: no target ${missing.map((n) => JSON.stringify(n)).join(' or ')} in run ${run.runId}; it has ${names.join(', ')}`,
    };
  }
  const theirs = new Map(own(current).map((g) => [g.key.slice(current.length), g]));
  const ours = own(baseline);
  const pairs = ours
    .filter((g) => theirs.has(g.key.slice(baseline.length)))
    .map((g) => [g, theirs.get(g.key.slice(baseline.length))!] as const);
  const warnings = runWarnings(run, 'the run');
  if (run.traffic?.mode === 'routed')
    warnings.push(
      'traffic was routed (each target got its share of one stream of prompts), not paired: the targets did not see the same requests',
    );
  const side = (label: string): CompareSide => ({ label, runId: run.runId, file });
  const oursSuffixes = new Set(ours.map((g) => g.key.slice(baseline.length)));
  return assemble('targets', { baseline: side(baseline), current: side(current) }, pairs, o, {
    onlyInBaseline: ours.filter((g) => !theirs.has(g.key.slice(baseline.length))).map((g) => g.key),
    onlyInCurrent: [...theirs].filter(([suffix]) => !oursSuffixes.has(suffix)).map(([, g]) => g.key),
    warnings,
  });
}

// The rows of every pair, and what fails.
function assemble(
  mode: Comparison['mode'],
  sides: { baseline: CompareSide; current: CompareSide },
  pairs: readonly (readonly [GroupSummary, GroupSummary])[],
  o: CompareOptions,
  rest: Pick<Comparison, 'onlyInBaseline' | 'onlyInCurrent' | 'warnings'>,
): Comparison {
  const rows = rowMetrics(o);
  const goodput = pairs.some(([b, c]) => b.goodput || c.goodput);
  const gate = o.gate === 'all' ? [...rows.map(metricId), ...(goodput ? ['goodput'] : [])] : [...o.gate];
  const groups: ComparedGroup[] = pairs.map(([b, c]) => {
    const base = new GroupSide(b, sides.baseline.file);
    const cur = new GroupSide(c, sides.current.file);
    const gates = b.scope === 'target' || b.scope === 'route';
    const label = `${b.key}|${c.key}`;
    return {
      baselineKey: b.key,
      currentKey: c.key,
      scope: b.scope,
      gates,
      metrics: withGoodput(rows, b, c).map((m) => compareMetric(m, base, cur, gates && gate.includes(metricId(m)), label, o)),
    };
  });
  const regressions = groups.flatMap((g) =>
    g.metrics.filter((m) => m.gated && m.verdict === 'regression').map((m) => ({ group: groupLabel(mode, g), metric: m.metric })),
  );
  const { confidence, resamples, seed, minEffect, minErrorDelta } = o;
  return {
    schema: COMPARE_SCHEMA.id,
    schemaVersion: COMPARE_SCHEMA.version,
    mode,
    ...sides,
    options: { confidence, resamples, seed, minEffect, minErrorDelta, gate },
    groups,
    regressions,
    ...rest,
  };
}

/** groupLabel names a compared group for people: its key, or `a vs b` for two targets. */
export function groupLabel(mode: Comparison['mode'], g: ComparedGroup): string {
  return mode === 'runs' ? g.baselineKey : `${g.currentKey} vs ${g.baselineKey}`;
}

// The metrics compared, in report order: each latency at each percentile, then any gated one not
// among them, the error rate and the request rate.
function rowMetrics(o: CompareOptions): CompareMetric[] {
  const rows: CompareMetric[] = o.latencies.flatMap((metric) =>
    o.percentiles.map((stat): CompareMetric => ({ kind: 'latency', metric, stat })),
  );
  const have = new Set(rows.map(metricId));
  for (const name of o.gate === 'all' ? [] : o.gate) {
    const m = parseCompareMetric(name);
    if (!('error' in m) && m.kind === 'latency' && !have.has(name)) {
      rows.push(m);
      have.add(name);
    }
  }
  rows.push({ kind: 'errorRate' }, { kind: 'requestsPerSec' });
  return rows;
}

// A pair of groups with a goodput block on either side compares its ratios too, after the error rate.
function withGoodput(rows: CompareMetric[], b: GroupSummary, c: GroupSummary): CompareMetric[] {
  if (!b.goodput && !c.goodput) return rows;
  const at = rows.findIndex((m) => m.kind === 'errorRate') + 1;
  return [...rows.slice(0, at), { kind: 'goodput' }, ...rows.slice(at)];
}

// What about a run makes its numbers less than the targets' alone.
function runWarnings(s: RunSummary, which: string): string[] {
  const w: string[] = [];
  if (s.validity && !s.validity.valid) w.push(`${which} (${s.runId}) is an INVALID run: ${s.validity.reasons.join('; ')}`);
  if (s.status !== 'completed')
    w.push(`${which} (${s.runId}) stopped early (${s.status}: ${s.stopReason}); it covers what was measured before`);
  if (s.generator?.saturated) w.push(`${which} (${s.runId}): the load generator was saturated; its own delay is in the latencies`);
  return w;
}
