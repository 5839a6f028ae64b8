import { describe, expect, it } from 'vitest';
import { parseThreshold, parseThresholds, type Threshold } from '../../src/scenario/threshold.js';
import { evaluateThresholds } from '../../src/analysis/thresholds.js';
import type { GroupSummary } from '../../src/metrics/group-summary.js';
import { latencyStats, newHistogram, recordMs } from '../../src/metrics/histogram.js';
import { LATENCY_METRICS } from '../../src/scenario/metric-names.js';

// The threshold grammar (k6-style: `ttft.p99 < 800ms`, `errorRate < 1%`) is what scenarios'
// `slo:` and `sweep.slo:` are written in: every form it accepts, the value it reads in its
// canonical unit (ms, a fraction, per second), and what it says about every form it refuses.

describe('parseThreshold: accepted forms', () => {
  it.each<[string, Omit<Threshold, 'source'>]>([
    ['ttft.p99 < 800ms', { subject: { kind: 'latency', metric: 'ttft', stat: 'p99' }, op: '<', value: 800 }],
    ['e2e.p95 < 1.2s', { subject: { kind: 'latency', metric: 'e2e', stat: 'p95' }, op: '<', value: 1200 }],
    ['itl.p50<=20ms', { subject: { kind: 'latency', metric: 'itl', stat: 'p50' }, op: '<=', value: 20 }],
    ['ttft.p99.9 < 2s', { subject: { kind: 'latency', metric: 'ttft', stat: 'p999' }, op: '<', value: 2000 }],
    ['ttft.p999 < 2s', { subject: { kind: 'latency', metric: 'ttft', stat: 'p999' }, op: '<', value: 2000 }],
    ['failover.max < 800ms', { subject: { kind: 'latency', metric: 'failover', stat: 'max' }, op: '<', value: 800 }],
    ['dispatchLag.mean < .5ms', { subject: { kind: 'latency', metric: 'dispatchLag', stat: 'mean' }, op: '<', value: 0.5 }],
    ['tpot.min > 1ms', { subject: { kind: 'latency', metric: 'tpot', stat: 'min' }, op: '>', value: 1 }],
    ['errorRate < 1%', { subject: { kind: 'errorRate' }, op: '<', value: 0.01 }],
    ['errorRate <= 0.1%', { subject: { kind: 'errorRate' }, op: '<=', value: 0.001 }],
    ['requestsPerSec >= 20', { subject: { kind: 'requestsPerSec' }, op: '>=', value: 20 }],
    ['  outputTokensPerSec > 1000  ', { subject: { kind: 'outputTokensPerSec' }, op: '>', value: 1000 }],
    // snake_case, as k6 and Prometheus users write it
    ['error_rate < 0.1%', { subject: { kind: 'errorRate' }, op: '<', value: 0.001 }],
    ['dispatch_lag.p99 < 2ms', { subject: { kind: 'latency', metric: 'dispatchLag', stat: 'p99' }, op: '<', value: 2 }],
    ['time_lost.max < 1s', { subject: { kind: 'latency', metric: 'timeLost', stat: 'max' }, op: '<', value: 1000 }],
    // costs, in US dollars
    ['cost.perRequest < 0.001', { subject: { kind: 'cost', field: 'perRequest' }, op: '<', value: 0.001 }],
    ['cost.per_request < $0.001', { subject: { kind: 'cost', field: 'perRequest' }, op: '<', value: 0.001 }],
    ['cost.per_1m_output_tokens <= 5', { subject: { kind: 'cost', field: 'per1MOutputTokens' }, op: '<=', value: 5 }],
    ['cost.total < 10', { subject: { kind: 'cost', field: 'total' }, op: '<', value: 10 }],
    // over all requests, a failure slower than any success
    ['ttft.all.p99 < 800ms', { subject: { kind: 'allLatency', metric: 'ttft', stat: 'p99' }, op: '<', value: 800 }],
    ['e2e.all.p99.9 < 2s', { subject: { kind: 'allLatency', metric: 'e2e', stat: 'p999' }, op: '<', value: 2000 }],
    ['ttft_service.all.p50 <= 1s', { subject: { kind: 'allLatency', metric: 'ttftService', stat: 'p50' }, op: '<=', value: 1000 }],
  ])('%j', (text, expected) => {
    expect(parseThreshold(text)).toEqual({ source: text.trim(), ...expected });
  });

  it('accepts every latency metric by name', () => {
    for (const m of LATENCY_METRICS) expect(parseThreshold(`${m}.p50 < 1s`)).toMatchObject({ subject: { metric: m } });
  });
});

describe('parseThreshold: refused forms say what to write', () => {
  it.each<[string, RegExp]>([
    ['ttft < 800ms', /ttft needs a statistic: ttft\.p99/],
    ['ttft.p42 < 800ms', /one of mean, min, max, p50, p90, p95, p99, p999/],
    ['ttft.p99 < 800', /needs a unit; write e\.g\. "ttft\.p99 < 800ms"/],
    ['ttft.p99 < 5%', /is a latency; write it in ms or s/],
    ['latency.p99 < 1s', /unknown metric "latency"; use one of ttft, .*errorRate/],
    ['errorRate.p99 < 1%', /errorRate takes no statistic/],
    ['errorRate < 10ms', /errorRate is a share/],
    // A rate needs %: `errorRate < 1` once meant 100% (a check that never fails); a fraction is ambiguous.
    ['errorRate < 1', /errorRate < 1 is ambiguous .*write it in %: "errorRate < 100%" for the fraction 1, "errorRate < 1%" for 1 percent/],
    ['errorRate <= 0.01', /ambiguous .*"errorRate <= 1%" for the fraction 0\.01/],
    ['error_rate < 0.001', /ambiguous .*"errorRate < 0\.1%"/],
    ['errorRate < 5', /errorRate needs %: write "errorRate < 5%"/],
    ['requestsPerSec >= 20%', /plain number per second/],
    ['ttft.p99 == 1s', /is not a threshold; write e\.g\./],
    ['cost < 1', /cost needs one of cost\.perRequest, cost\.per1kRequests, cost\.per1MOutputTokens, cost\.total/],
    ['cost.perToken < 1', /cost needs one of/],
    ['cost.total < 1s', /cost\.total is in US dollars/],
    ['ttft.p99 < $1', /ttft is not a cost/],
    ['ttft.p99 < -1ms', /is not a threshold/],
    ['itl.all.p99 < 1s', /itl has no all-requests percentile; only ttft, ttfc, e2e, headers, ttftService, e2eService do/],
    ['ttft.all.max < 1s', /ttft\.all needs a percentile: ttft\.all\.p99 \(one of p50, p90, p95, p99, p999\)/],
    ['ttft.all.p99 < 800', /ttft\.all\.p99 is a latency; write it in ms or s, e\.g\. "ttft\.all\.p99 < 800ms"/],
    ['', /is not a threshold/],
  ])('%j', (text, message) => {
    const t = parseThreshold(text);
    expect('error' in t, JSON.stringify(t)).toBe(true);
    expect((t as { error: string }).error).toMatch(message);
  });

  it('parseThresholds keeps the valid ones (a validated scenario holds no other kind)', () => {
    expect(parseThresholds(['ttft.p99 < 1s', 'nonsense', 'errorRate < 1%']).map((t) => t.source)).toEqual([
      'ttft.p99 < 1s',
      'errorRate < 1%',
    ]);
  });
});

// A group whose TTFT histogram holds the given values, with the given request counts.
function group(
  ttftMs: number[],
  requests: { total: number; failed: number },
  throughput = { requestsPerSec: 10, outputTokensPerSec: 100 },
): GroupSummary {
  const h = newHistogram();
  for (const v of ttftMs) recordMs(h, v);
  const empty = latencyStats(newHistogram());
  const metrics = Object.fromEntries(LATENCY_METRICS.map((m) => [m, empty])) as GroupSummary['metrics'];
  metrics.ttft = latencyStats(h);
  return {
    key: 'a',
    scope: 'target',
    target: 'a',
    region: 'r',
    provider: 'mock',
    model: 'm',
    requests: {
      total: requests.total,
      ok: requests.total - requests.failed,
      failed: requests.failed,
      errorRate: requests.total ? requests.failed / requests.total : null,
      dropped: 0,
      queued: 0,
      newConnections: 0,
      errorsByKind: {},
    },
    tokens: {
      input: 0,
      output: 0,
      requestedOutput: 0,
      source: { usage: 0, counted: 0 },
      usageVsCounted: { requests: 0, usageOutput: 0, countedOutput: 0, meanAbsDiff: 0, maxAbsDiff: 0 },
    },
    window: { startMs: 0, endMs: 1000, durationMs: 1000 },
    throughput,
    metrics,
    histograms: {} as GroupSummary['histograms'],
    timeseries: [],
  };
}

describe('evaluateThresholds', () => {
  const g = group([100, 200, 300, 400, 500], { total: 200, failed: 1 });
  it.each<[string, boolean]>([
    ['ttft.p50 < 301ms', true],
    ['ttft.p50 < 300ms', false],
    ['ttft.p50 <= 301ms', true],
    ['ttft.max > 499ms', true],
    ['ttft.max >= 501ms', false],
    ['errorRate < 1%', true], // 0.5%
    ['errorRate < 0.5%', false],
    ['requestsPerSec >= 10', true],
    ['outputTokensPerSec > 100', false],
  ])('%j → %s', (text, pass) => {
    const [r] = evaluateThresholds(parseThresholds([text]), g);
    expect(r).toMatchObject({ threshold: text, pass });
  });

  it('a latency threshold on a metric with no samples fails: no evidence is not a pass', () => {
    const [r] = evaluateThresholds(parseThresholds(['ttft.p99 < 1s']), group([], { total: 3, failed: 3 }));
    expect(r!.pass).toBe(false);
  });

  it('an error-rate threshold on a group that sent nothing fails', () => {
    const [r] = evaluateThresholds(parseThresholds(['errorRate < 1%']), group([], { total: 0, failed: 0 }));
    expect(r!.pass).toBe(false);
  });
});
