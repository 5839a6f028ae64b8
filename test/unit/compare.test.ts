import { describe, expect, it } from 'vitest';
import { compareRuns, compareTargets, DEFAULT_COMPARE_OPTIONS, type ComparedMetric, type Comparison } from '../../src/summary/compare.js';
import { parseCompareMetric, parseMetricList } from '../../src/summary/compare-metrics.js';
import { readSummaryText } from '../../src/summary/summary-file.js';
import { groupOf, lognormalMs, runOf, SIDES } from '../support/compare-fixtures.js';

// `compare`'s engine on hand-built runs whose answer is known: known shifts of seeded draws,
// identical distributions, no data, throughput's direction, which metrics and groups gate, and how
// groups are matched (by key between runs, by target name within one).

const row = (c: Comparison, metric: string, group = 0): ComparedMetric => c.groups[group]!.metrics.find((m) => m.metric === metric)!;

// Baseline: 2,000 TTFTs, lognormal median 100 ms; current: another 2,000 draws, times `factor`.
function shifted(factor: number, opts = DEFAULT_COMPARE_OPTIONS, n = 2000): Comparison {
  const base = runOf('run-a', [groupOf({ key: 'a', values: { ttft: lognormalMs(n, 100, 0.3, 1) } })]);
  const cur = runOf('run-b', [groupOf({ key: 'a', values: { ttft: lognormalMs(n, 100, 0.3, 2).map((v) => v * factor) } })]);
  return compareRuns(base, cur, SIDES, opts);
}

describe('known shifts of 2,000 lognormal TTFTs (σ 0.3), 99 % bootstrap, min effect 2 %', () => {
  it.each<[string, number, string]>([
    ['+10 %', 1.1, 'regression'],
    ['−10 %', 0.9, 'improvement'],
    ['identical distributions (other draws)', 1, 'within noise'],
  ])('%s on TTFT p50 → %s', (_, factor, verdict) => {
    const m = row(shifted(factor), 'ttft.p50');
    expect(m.verdict).toBe(verdict);
    expect(m.method).toBe('bootstrap');
    expect(m.relCi![0]).toBeLessThan(m.relDelta!);
    expect(m.relCi![1]).toBeGreaterThan(m.relDelta!);
    if (factor !== 1) expect(m.relCi![0] < factor - 1 && factor - 1 < m.relCi![1]).toBe(true);
  });

  it('a +10 % shift fails the default gate: listed in regressions', () => {
    const c = shifted(1.1);
    expect(c.regressions).toContainEqual({ group: 'a', metric: 'ttft.p50' });
  });

  it('the same draws compared with themselves: Δ 0, an interval around 0, nothing fails', () => {
    const r = runOf('run-a', [groupOf({ key: 'a', values: { ttft: lognormalMs(2000, 100, 0.3, 1) } })]);
    const c = compareRuns(r, r, SIDES);
    const m = row(c, 'ttft.p50');
    expect(m).toMatchObject({ delta: 0, relDelta: 0, verdict: 'within noise' });
    expect(m.relCi![0]).toBeLessThan(0);
    expect(m.relCi![1]).toBeGreaterThan(0);
    expect(c.regressions).toEqual([]);
  });

  it('a tiny but significant shift (+1 % of 20,000 narrow draws) is within noise at 2 %, a regression at 0.5 %', () => {
    const values = lognormalMs(20_000, 100, 0.1, 3);
    const base = runOf('a', [groupOf({ key: 'a', values: { ttft: values } })]);
    const cur = runOf('b', [groupOf({ key: 'a', values: { ttft: values.map((v) => v * 1.01) } })]);
    const at2 = row(compareRuns(base, cur, SIDES), 'ttft.p50');
    expect(at2.relCi![0]).toBeGreaterThan(0); // significant…
    expect(at2.verdict).toBe('within noise'); // …but below the practical minimum
    expect(row(compareRuns(base, cur, SIDES, { ...DEFAULT_COMPARE_OPTIONS, minEffect: 0.005 }), 'ttft.p50').verdict).toBe('regression');
  });

  it('is reproducible: the same seed gives the same intervals; another seed slightly different ones', () => {
    expect(shifted(1.05)).toEqual(shifted(1.05));
    const other = shifted(1.05, { ...DEFAULT_COMPARE_OPTIONS, seed: 2 });
    expect(row(other, 'ttft.p50').relCi).not.toEqual(row(shifted(1.05), 'ttft.p50').relCi);
    expect(row(other, 'ttft.p50').verdict).toBe(row(shifted(1.05), 'ttft.p50').verdict);
  });

  it("a metric's draws are its own: gating another metric does not move its interval", () => {
    const a = row(shifted(1.05), 'ttft.p50');
    const b = row(shifted(1.05, { ...DEFAULT_COMPARE_OPTIONS, gate: ['ttft.p95'], latencies: ['e2e', 'ttft'] }), 'ttft.p50');
    expect(b.relCi).toEqual(a.relCi);
  });

  it('fewer samples, wider intervals: 200 draws cannot call the +5 % that 2,000 can', () => {
    expect(row(shifted(1.05, DEFAULT_COMPARE_OPTIONS, 2000), 'ttft.p50').verdict).toBe('regression');
    expect(row(shifted(1.05, DEFAULT_COMPARE_OPTIONS, 200), 'ttft.p50').verdict).toBe('within noise');
  });
});

describe('no data, error rate, throughput', () => {
  it('a metric with no samples on one side is null there and "no data", never 0', () => {
    const base = runOf('a', [groupOf({ key: 'a', values: { ttft: [100, 110, 120] }, total: 3 })]);
    const cur = runOf('b', [groupOf({ key: 'a', values: {}, total: 3, failed: 3 })]);
    const c = compareRuns(base, cur, SIDES);
    expect(row(c, 'ttft.p50')).toMatchObject({ current: null, delta: null, relDelta: null, ci: null, verdict: 'no data' });
    expect(row(c, 'ttft.p50').baseline).toBeCloseTo(110, 0);
    expect(row(c, 'tpot.p50')).toMatchObject({ baseline: null, current: null, verdict: 'no data' });
  });

  it.each<[string, [number, number], [number, number], string]>([
    ['0 → 50 errors in 1,000', [0, 1000], [50, 1000], 'regression'],
    ['50 → 0 errors in 1,000', [50, 1000], [0, 1000], 'improvement'],
    ['0 → 3 errors in 1,000: noise', [0, 1000], [3, 1000], 'within noise'],
    ['0 → 0', [0, 1000], [0, 1000], 'within noise'],
    ['nothing measured', [0, 0], [0, 1000], 'no data'],
  ])('errorRate %s → %s', (_, [f1, n1], [f2, n2], verdict) => {
    const c = compareRuns(
      runOf('a', [groupOf({ key: 'a', total: n1, failed: f1 })]),
      runOf('b', [groupOf({ key: 'a', total: n2, failed: f2 })]),
      SIDES,
    );
    expect(row(c, 'errorRate')).toMatchObject({ method: 'newcombe', unit: 'share', verdict });
  });

  it('an error-rate change beyond noise but under --min-error-delta is within noise', () => {
    const c = compareRuns(
      runOf('a', [groupOf({ key: 'a', total: 100_000, failed: 0 })]),
      runOf('b', [groupOf({ key: 'a', total: 100_000, failed: 50 })]),
      SIDES,
      { ...DEFAULT_COMPARE_OPTIONS, minErrorDelta: 0.001 },
    );
    expect(row(c, 'errorRate').ci![0]).toBeGreaterThan(0);
    expect(row(c, 'errorRate').verdict).toBe('within noise');
  });

  it.each<[string, number, number, string]>([
    ['fewer requests/s is worse', 100, 80, 'regression'],
    ['more requests/s is better', 80, 100, 'improvement'],
    ['1 % apart is noise', 100, 99, 'within noise'],
  ])('throughput: %s', (_, before, after, verdict) => {
    const g = (rps: number) => groupOf({ key: 'a', total: rps * 60, requestsPerSec: rps });
    const m = row(compareRuns(runOf('a', [g(before)]), runOf('b', [g(after)]), SIDES), 'requestsPerSec');
    expect(m).toMatchObject({ method: 'poisson', better: 'higher', verdict });
  });
});

describe('what gates, and which groups are matched', () => {
  const slow = (key: string, scope: 'target' | 'workload' = 'target') =>
    groupOf({ key, scope, values: { ttft: lognormalMs(2000, 130, 0.3, 5), e2e: lognormalMs(2000, 130, 0.3, 6) } });
  const fast = (key: string, scope: 'target' | 'workload' = 'target') =>
    groupOf({ key, scope, values: { ttft: lognormalMs(2000, 100, 0.3, 7), e2e: lognormalMs(2000, 100, 0.3, 8) } });

  it('only gated metrics of target and route groups fail; breakdowns are shown, not gated', () => {
    const c = compareRuns(runOf('a', [fast('x'), fast('x/chat', 'workload')]), runOf('b', [slow('x'), slow('x/chat', 'workload')]), SIDES, {
      ...DEFAULT_COMPARE_OPTIONS,
      gate: ['ttft.p99'],
    });
    expect(c.regressions).toEqual([{ group: 'x', metric: 'ttft.p99' }]);
    expect(row(c, 'ttft.p50', 0)).toMatchObject({ verdict: 'regression', gated: false });
    expect(row(c, 'ttft.p99', 1)).toMatchObject({ verdict: 'regression', gated: false });
  });

  it('--fail-on all gates every metric compared; a gated metric outside the table is added to it', () => {
    const all = compareRuns(runOf('a', [fast('x')]), runOf('b', [slow('x')]), SIDES, { ...DEFAULT_COMPARE_OPTIONS, gate: 'all' });
    expect(all.groups[0]!.metrics.every((m) => m.gated)).toBe(true);
    const extra = compareRuns(runOf('a', [fast('x')]), runOf('b', [slow('x')]), SIDES, { ...DEFAULT_COMPARE_OPTIONS, gate: ['ttft.p95'] });
    expect(row(extra, 'ttft.p95')).toMatchObject({ gated: true, verdict: 'regression' });
  });

  it('groups are matched by key; the rest are listed as on one side only', () => {
    const c = compareRuns(runOf('a', [fast('x'), fast('gone')]), runOf('b', [fast('new'), fast('x')]), SIDES);
    expect(c.groups.map((g) => g.baselineKey)).toEqual(['x']);
    expect(c.onlyInBaseline).toEqual(['gone']);
    expect(c.onlyInCurrent).toEqual(['new']);
  });

  it('two targets of one run: their groups and breakdowns paired by what follows the name', () => {
    const run = runOf('r', [
      fast('us'),
      slow('us-east'),
      fast('us/chat', 'workload'),
      slow('us-east/chat', 'workload'),
      slow('us-east/rag', 'workload'),
    ]);
    const c = compareTargets(run, '/r/summary.json', 'us', 'us-east') as Comparison;
    expect(c.mode).toBe('targets');
    expect(c.groups.map((g) => [g.baselineKey, g.currentKey])).toEqual([
      ['us', 'us-east'],
      ['us/chat', 'us-east/chat'],
    ]);
    expect(c.onlyInCurrent).toEqual(['us-east/rag']);
    expect(row(c, 'ttft.p50')).toMatchObject({ verdict: 'regression' });
    expect(c.regressions).toContainEqual({ group: 'us-east vs us', metric: 'ttft.p50' });
  });

  it('an unknown target is named, with the targets the run has', () => {
    const r = compareTargets(runOf('r', [fast('us'), fast('eu')]), '/r/summary.json', 'us', 'apac');
    expect(r).toEqual({ error: expect.stringMatching(/no target "apac" in run r; it has us, eu/) });
  });

  it('inter-token latency resamples one value per stream, not per gap', () => {
    const g = groupOf({ key: 'a', values: { ttft: [1, 2, 3], tpot: [1, 2, 3], itl: lognormalMs(300, 10, 0.2, 1) } });
    const m = row(compareRuns(runOf('a', [g]), runOf('b', [g]), SIDES), 'itl.p50');
    expect(m.baselineN).toBe(300);
    expect(m.resampledN).toEqual({ baseline: 3, current: 3 });
  });

  it('runs that are not comparable say why', () => {
    const a = runOf('a', [fast('x')]);
    const b = {
      ...runOf('b', [fast('x')]),
      scenario: { name: 'other' },
      loadModel: 'open' as const,
      status: 'interrupted' as const,
      stopReason: 'interrupted by signal',
    };
    const w = compareRuns(a, b, SIDES).warnings.join('\n');
    expect(w).toMatch(/different scenarios \(synthetic and other\)/);
    expect(w).toMatch(/different load models/);
    expect(w).toMatch(/current \(b\) stopped early \(interrupted/);
  });
});

describe('metric names and summary files', () => {
  it.each([
    ['ttft.p50', { kind: 'latency', metric: 'ttft', stat: 'p50' }],
    ['e2e.p99.9', { kind: 'latency', metric: 'e2e', stat: 'p999' }],
    ['errorRate', { kind: 'errorRate' }],
    ['throughput', { kind: 'requestsPerSec' }],
  ])('%j reads', (text, m) => {
    expect(parseCompareMetric(text)).toEqual(m);
  });

  it.each([
    ['ttft', /ttft needs a percentile: ttft\.p50/],
    ['ttft.mean', /needs a percentile/],
    ['latency.p99', /unknown metric "latency\.p99"/],
  ])('%j is refused: %s', (text, message) => {
    expect((parseCompareMetric(text) as { error: string }).error).toMatch(message);
  });

  it('a list reports every bad name at once', () => {
    expect(parseMetricList('ttft.p50,foo,ttft')).toEqual({ errors: [expect.stringMatching(/foo/), expect.stringMatching(/ttft needs/)] });
  });

  it.each([
    ['{', /not JSON/],
    ['{"targets": []}', /not a bakeoff summary/],
    [
      '{"schema": "llm-bakeoff/summary", "schemaVersion": 1, "groups": []}',
      /schema version 1.*reads only version 2; run the scenario again/,
    ],
    ['{"schema": "llm-bakeoff/summary", "schemaVersion": 2}', /no groups/],
    ['{"schema": "llm-bakeoff/summary", "schemaVersion": 2, "groups": [{"key": "a"}]}', /groups\[0\] lacks/],
  ])('%s is refused: %s', (text, problem) => {
    expect((readSummaryText(text) as { problem: string }).problem).toMatch(problem);
  });
});
