import { describe, expect, it } from 'vitest';
import { decide, type PricedGroup } from '../../src/analysis/decision.js';
import { allRequestsRank, allRequestsStats } from '../../src/metrics/all-requests.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { latencyStats, newHistogram, recordMs } from '../../src/metrics/histogram.js';
import { mergeGroups } from '../../src/metrics/merge-groups.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { prng } from '../../src/random/prng.js';

// Failures in the tail: the all-requests percentile counts a failed request as slower than any
// success. The rank table first, then the statistics from a histogram, then a group through the
// recorder and a merge of its parts (the failure count merges by sum).

describe('allRequestsRank: where a percentile of all requests falls', () => {
  it.each([
    // percent, successes, failures, rank or beyond or null
    ['no failure: the success-only rank (p50 of 10)', 50, 10, 0, 5],
    ['no failure: p99 of 100', 99, 100, 0, 99],
    ['no failure: p99.9 of 1000, not 1000 for a float just above 999', 99.9, 1000, 0, 999],
    ['one request: rank 1', 50, 1, 0, 1],
    ['every 10th failed: p50 is a success', 50, 90, 10, 50],
    ['every 10th failed: p90 exactly at the boundary is the slowest success', 90, 90, 10, 90],
    ['every 10th failed: p95 falls among the failures', 95, 90, 10, 'beyond'],
    ['one failure in 100: p99 at the boundary', 99, 99, 1, 99],
    ['two failures in 1000: p99.9 among them', 99.9, 998, 2, 'beyond'],
    ['all failed: beyond', 50, 0, 10, 'beyond'],
    ['no request at all: no data', 99, 0, 0, null],
  ] as const)('%s', (_, percent, successes, failures, expected) => {
    expect(allRequestsRank(percent, successes, failures)).toBe(expected);
  });
});

function histogramOf(values: readonly number[]) {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return h;
}

const PERCENTILES = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;

describe('allRequestsStats', () => {
  it('without a failure equals the success-only percentiles, for any values', () => {
    const rng = prng(7);
    for (const n of [1, 2, 7, 100, 1000, 4321]) {
      const values = Array.from({ length: n }, () => 0.05 + rng.next() * 3000);
      const h = histogramOf(values);
      const only = latencyStats(h);
      const all = allRequestsStats(h, 0, n);
      expect(all, `n=${n}`).toEqual({ requests: n, failed: 0, ...pick(only), beyondSuccesses: [] });
    }
  });

  it('every 10th failed: p50 and p90 are successes, p95 and above beyond them', () => {
    // 0.02 … 1.8 ms: below 2.048 ms the histogram is exact to the microsecond.
    const h = histogramOf(Array.from({ length: 90 }, (_, i) => (i + 1) * 0.02));
    expect(allRequestsStats(h, 10, 90)).toEqual({
      requests: 100,
      failed: 10,
      p50: 1,
      p90: 1.8,
      p95: null,
      p99: null,
      p999: null,
      beyondSuccesses: ['p95', 'p99', 'p999'],
    });
    // The success-only p95 of the same requests is a fast value.
    expect(latencyStats(h).p95).toBe(1.72);
  });

  it('all failed: every percentile beyond (null, and listed)', () => {
    expect(allRequestsStats(newHistogram(), 5, 0)).toEqual({ requests: 5, failed: 5, ...nulls(), beyondSuccesses: [...PERCENTILES] });
  });

  it('no request: every percentile null with none beyond: no data', () => {
    expect(allRequestsStats(undefined, 0, 0)).toEqual({ requests: 0, failed: 0, ...nulls(), beyondSuccesses: [] });
  });

  it('a metric no success reported (a protocol without it) is no data, not all failures', () => {
    expect(allRequestsStats(undefined, 3, 10)).toEqual({ requests: 0, failed: 0, ...nulls(), beyondSuccesses: [] });
  });
});

let nextId = 0;
function result(ttftMs: number | null, target = 'a'): RequestResult {
  const failed = ttftMs === null;
  const r = newResult({
    id: nextId++,
    phase: 'measure',
    target,
    region: 'r1',
    provider: 'mock',
    model: 'm',
    workload: 'chat',
    turn: 1,
    step: '',
    scheduledAtMs: 0,
    queuedMs: 0,
    inputTokens: 20,
    requestedOutputTokens: 5,
  });
  return Object.assign(r, {
    connection: 'reused',
    headersAtMs: failed ? 2 : 1,
    firstTokenAtMs: ttftMs,
    firstContentAtMs: ttftMs,
    endAtMs: failed ? 3 : ttftMs! + 10,
    itlMs: failed ? [] : [5, 5],
    contentDeltas: failed ? 0 : 3,
    outputTokens: failed ? 0 : 3,
    status: failed ? 500 : 200,
    errorKind: failed ? 'http_5xx' : null,
    errorMessage: failed ? 'HTTP 500' : '',
    finishReason: failed ? '' : 'stop',
  } satisfies Partial<RequestResult>);
}

describe('a group: summary.json and merged parts', () => {
  // 100 requests, every 10th failed fast (3 ms), the rest answered in 100 … 189 ms.
  const requests = Array.from({ length: 100 }, (_, i) => ((i + 1) % 10 === 0 ? null : 100 + i));

  it('metrics.<m>.all beside the success-only statistics, for the per-request latencies only', () => {
    const rec = new Recorder();
    for (const t of requests) rec.add(result(t));
    const g = summarizeGroup(rec.groups.get('a')!);
    expect(g.metrics.ttft.p95).toBeLessThan(200);
    expect(g.metrics.ttft.all).toMatchObject({ requests: 100, failed: 10, p95: null, beyondSuccesses: ['p95', 'p99', 'p999'] });
    expect(g.metrics.ttft.all!.p90).toBe(g.metrics.ttft.max);
    expect(g.metrics.e2e.all).toMatchObject({ requests: 100, failed: 10, beyondSuccesses: ['p95', 'p99', 'p999'] });
    expect(Object.keys(g.metrics).filter((m) => g.metrics[m as keyof typeof g.metrics].all)).toEqual([
      'ttft',
      'ttfc',
      'e2e',
      'headers',
      'ttftService',
      'e2eService',
    ]);
    expect(g.metrics.itl.all).toBeUndefined();
    expect(g.metrics.tpot.all).toBeUndefined();
  });

  it('merging parts adds their failures: the merged all-requests percentiles are those of the whole', () => {
    const whole = new Recorder();
    const parts = [new Recorder(), new Recorder()];
    requests.forEach((t, i) => {
      whole.add(result(t));
      parts[i < 37 ? 0 : 1]!.add(result(t)); // one part with 3 failures, the other with 7
    });
    const merged = mergeGroups(parts.map((p) => ({ group: summarizeGroup(p.groups.get('a')!), shiftMs: 0 })));
    const one = summarizeGroup(whole.groups.get('a')!);
    for (const m of ['ttft', 'e2e', 'headers'] as const) expect(merged.metrics[m].all, m).toEqual(one.metrics[m].all);
  });
});

describe('the decision ranks on the all-requests p99', () => {
  // Same price per successful request (a tie): fails-fast answers in 10 … 18 ms but fails every 10th
  // request; steady answers in 200 ms and never fails.
  function group(target: string, ttfts: readonly (number | null)[]): PricedGroup {
    const rec = new Recorder();
    for (const t of ttfts) rec.add(result(t, target));
    const cost = { priced: true, per1MOutputTokensUsd: 1, perSuccessfulRequestUsd: 0.001 };
    return { ...summarizeGroup(rec.groups.get(target)!), cost };
  }
  const failsFast = group(
    'fails-fast',
    Array.from({ length: 100 }, (_, i) => ((i + 1) % 10 === 0 ? null : 10 + (i % 10))),
  );
  const steady = group(
    'steady',
    Array.from({ length: 100 }, () => 200),
  );

  it('a target that fails fast cannot win a tie on its fast successes', () => {
    const d = decide([failsFast, steady], ['errorRate < 20%']);
    const [fast, slow] = d.rows;
    expect(fast!.ttftP99).toBeLessThan(slow!.ttftP99!); // success-only, it looks fast
    expect(fast!.all).toEqual({ ttftP99: null, e2eP99: null, beyondSuccesses: ['ttftP99', 'e2eP99'] });
    expect(slow!.all).toEqual({ ttftP99: slow!.ttftP99, e2eP99: slow!.e2eP99, beyondSuccesses: [] });
    expect(d.cheapestMeetingSlo).toBe('steady');
    expect(d.tiedWith).toEqual(['fails-fast']);
    // Listed first or second, it ranks after the target with a value.
    expect(decide([steady, failsFast], ['errorRate < 20%']).cheapestMeetingSlo).toBe('steady');
  });

  it('between two values, the lower all-requests p99 wins the tie', () => {
    const fastOk = group(
      'fast-ok',
      Array.from({ length: 100 }, () => 20),
    );
    expect(decide([steady, fastOk], ['errorRate < 20%']).cheapestMeetingSlo).toBe('fast-ok');
  });
});

function pick(s: ReturnType<typeof latencyStats>) {
  return { p50: s.p50, p90: s.p90, p95: s.p95, p99: s.p99, p999: s.p999 };
}

function nulls() {
  return { p50: null, p90: null, p95: null, p99: null, p999: null };
}
