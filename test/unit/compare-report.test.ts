import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { compareRuns, compareTargets, type ComparedMetric, type Comparison } from '../../src/summary/compare.js';
import { compareConsole } from '../../src/report/compare-console.js';
import { compareMarkdown } from '../../src/report/compare-markdown.js';
import { COMPARE_COLUMNS, compareCsv } from '../../src/report/compare-csv.js';
import { metricLabel, sentence } from '../../src/report/compare-cells.js';
import { groupOf, lognormalMs, runOf, SIDES } from '../support/compare-fixtures.js';

// The compare reports are functions of a Comparison: what each prints for a regression, for
// noise and for no data, and the two-target sentence in every direction.

const base = runOf('run-a', [
  groupOf({ key: 'us', values: { ttft: lognormalMs(2000, 100, 0.3, 1), e2e: lognormalMs(2000, 400, 0.3, 2) }, total: 2000 }),
  groupOf({ key: 'eu', values: { ttft: lognormalMs(2000, 100, 0.3, 3) }, total: 2000 }),
]);
const cur = runOf('run-b', [
  groupOf({ key: 'us', values: { ttft: lognormalMs(2000, 120, 0.3, 4), e2e: lognormalMs(2000, 400, 0.3, 5) }, total: 2000, failed: 100 }),
  groupOf({ key: 'eu', values: {}, total: 2000, failed: 2000 }),
]);
const runs = compareRuns(base, cur, SIDES);

describe('console', () => {
  const text = compareConsole(runs);

  it('names both files, the method and the confidence level', () => {
    expect(text).toMatch(/^compare: baseline \/a\/summary\.json \(run run-a\) → current \/b\/summary\.json \(run run-b\)$/m);
    expect(text).toMatch(
      /^method: latency percentiles by bootstrap .*\(2000 resamples, seed 1; .*Newcombe.*Poisson.*all 99% confidence intervals$/m,
    );
    expect(text).toMatch(
      /^verdict: a change is called only when its 99% interval excludes 0 and it is at least 2% \(err%: 0\.1 percentage points\)/m,
    );
    expect(text).toMatch(
      /^gate \(--fail-on\): ttft\.p50, ttft\.p99, e2e\.p50, e2e\.p99, itl\.p50, errorRate, on target and route groups$/m,
    );
  });

  it('a table per group: regression with its interval, no data as —, error rate in points', () => {
    expect(text).toMatch(/^metric\s+baseline\s+current\s+Δ\s+Δ%\s+99% CI\s+verdict$/m);
    expect(text).toMatch(/^TTFT p50\s+\d+ms\s+\d+ms\s+\+\d+\.\dms\s+\+\d+\.\d%\s+\[\+\d+\.\d%, \+\d+\.\d%\]\s+regression \*$/m);
    expect(text).toMatch(/^TPOT p50\s+—\s+—\s+—\s+—\s+—\s+no data$/m);
    expect(text).toMatch(/^err%\s+0\.0%\s+5\.0%\s+\+5\.00pp\s+—\s+\[\+\d\.\d\dpp, \+\d\.\d\dpp\]\s+regression \*$/m);
    // eu answered nothing: its latencies are —, never 0 ms
    const eu = text.slice(text.indexOf('\neu\n'));
    expect(eu).toMatch(/^TTFT p50\s+[\d.]+ms\s+—\s+—\s+—\s+—\s+no data \*$/m);
    expect(eu).not.toMatch(/ 0\.00ms/);
  });

  it('ends with every gated regression in a sentence', () => {
    expect(text).toMatch(/^REGRESSION: \d+ gated metric\(s\) worse than the baseline:$/m);
    expect(text).toMatch(/^ {2}us: current is \d+\.\d% slower than baseline on TTFT p50 \[\d+\.\d%, \d+\.\d%\]$/m);
    expect(text).toMatch(
      /^ {2}eu: current's error rate is 100\.00pp higher than baseline's \[\d+\.\d\dpp, 100\.00pp\] \(100\.0% vs 0\.0%\)$/m,
    );
  });

  it('without a regression it says how many gated metrics were checked', () => {
    expect(compareConsole(compareRuns(base, base, SIDES))).toMatch(/^no regression: 12 gated metric\(s\) checked, 4 without data\.$/m);
  });

  it('two targets: the headline sentences first, target names as column heads, worse/better', () => {
    const run = runOf('r', [
      groupOf({ key: 'us-east', values: { ttft: lognormalMs(2000, 100, 0.3, 1) } }),
      groupOf({ key: 'eu-west', values: { ttft: lognormalMs(2000, 118, 0.3, 2) } }),
    ]);
    const t = compareConsole(compareTargets(run, '/r/summary.json', 'us-east', 'eu-west') as Comparison);
    expect(t).toMatch(
      /^eu-west vs us-east, metric by metric \(99% interval in brackets\):\n {2}eu-west is 1\d\.\d% slower than us-east on TTFT p50 \[\d+\.\d%, \d+\.\d%\]$/m,
    );
    expect(t).toMatch(/^metric\s+us-east\s+eu-west\s+Δ/m);
    expect(t).toMatch(/^TTFT p50 .* worse \*$/m);
    expect(t).toMatch(/^WORSE: eu-west is worse than us-east on \d+ gated metric\(s\):$/m);
  });
});

describe('sentence', () => {
  const m = (over: Partial<ComparedMetric>): ComparedMetric => ({
    metric: 'ttft.p50',
    unit: 'ms',
    better: 'lower',
    method: 'bootstrap',
    baseline: 100,
    current: 118,
    baselineN: 1000,
    currentN: 1000,
    delta: 18,
    relDelta: 0.18,
    ci: [12, 24],
    relCi: [0.12, 0.24],
    verdict: 'regression',
    gated: true,
    ...over,
  });
  it.each<[string, Partial<ComparedMetric>, string]>([
    ['slower', {}, 'eu-west is 18.0% slower than us-east on TTFT p50 [12.0%, 24.0%]'],
    [
      "faster: magnitudes in the sentence's direction",
      { relDelta: -0.18, relCi: [-0.24, -0.12], delta: -18, ci: [-24, -12], verdict: 'improvement' },
      'eu-west is 18.0% faster than us-east on TTFT p50 [12.0%, 24.0%]',
    ],
    [
      'within noise: signed',
      { relDelta: 0.013, relCi: [-0.03, 0.059], verdict: 'within noise' },
      'eu-west is within noise of us-east on TTFT p50: +1.3% [-3.0%, +5.9%]',
    ],
    ['no data', { current: null, verdict: 'no data', delta: null, relDelta: null, ci: null, relCi: null }, 'TTFT p50: no data on eu-west'],
    [
      'throughput lower',
      { metric: 'requestsPerSec', unit: 'per_s', better: 'higher', relDelta: -0.22, relCi: [-0.29, -0.15] },
      'eu-west is 22.0% lower than us-east on requests/s [15.0%, 29.0%]',
    ],
    [
      'error rate higher',
      { metric: 'errorRate', unit: 'share', baseline: 0.001, current: 0.022, delta: 0.021, relDelta: null, ci: [0.012, 0.03], relCi: null },
      "eu-west's error rate is 2.10pp higher than us-east's [1.20pp, 3.00pp] (2.2% vs 0.1%)",
    ],
  ])('%s', (_, over, text) => {
    expect(sentence(m(over), 'eu-west', 'us-east')).toBe(text);
  });

  it.each([
    ['ttft.p50', 'TTFT p50'],
    ['e2e.p999', 'E2E p99.9'],
    ['headers.p90', 'headers p90'],
    ['errorRate', 'err%'],
    ['requestsPerSec', 'req/s'],
  ])('metricLabel(%j) = %j', (id, label) => {
    expect(metricLabel(id)).toBe(label);
  });
});

describe('markdown and CSV', () => {
  it('markdown: sides, method, one table per group, the verdict in bold', () => {
    const md = compareMarkdown(runs);
    expect(md).toMatch(/^## bakeoff compare: current vs baseline$/m);
    expect(md).toMatch(/^- baseline: `\/a\/summary\.json` \(run run-a\)$/m);
    expect(md).toMatch(/^- method: .*99% confidence intervals$/m);
    expect(md).toMatch(/^### us$/m);
    expect(md).toMatch(/^\| --- \| ---: \| ---: \| ---: \| ---: \| ---: \| --- \|$/m);
    expect(md).toMatch(/^\| TTFT p50 \| \d+ms \| \d+ms \| .* \| \*\*regression\*\* \(gated\) \|$/m);
    expect(md).toMatch(/^\| TPOT p50 \| — \| — \| — \| — \| — \| no data \|$/m);
    expect(md).toMatch(/^\*\*REGRESSION: \d+ gated metric\(s\) worse than the baseline:\*\*$/m);
  });

  it('CSV: its columns, one row per group × metric, no data as an empty cell', () => {
    const rows = parse(compareCsv(runs), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...COMPARE_COLUMNS]);
    expect(rows).toHaveLength(2 * 17);
    const ttft = rows.find((r) => r.baseline_group === 'us' && r.metric === 'ttft.p50')!;
    expect(ttft).toMatchObject({
      verdict: 'regression',
      gated: '1',
      unit: 'ms',
      method: 'bootstrap',
      confidence: '0.99',
      resamples: '2000',
      seed: '1',
    });
    expect(Number(ttft.rel_ci_low)).toBeLessThan(Number(ttft.rel_delta));
    const none = rows.find((r) => r.baseline_group === 'eu' && r.metric === 'ttft.p50')!;
    expect(none).toMatchObject({ current_value: '', delta: '', rel_delta: '', ci_low: '', verdict: 'no data' });
    expect(rows.find((r) => r.baseline_group === 'us' && r.metric === 'errorRate')).toMatchObject({
      method: 'newcombe',
      resamples: '',
      baseline_value: '0',
      current_value: '0.05',
    });
  });
});
