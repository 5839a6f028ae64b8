import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RANGE, decodeHistogram, encodeHistogram, latencyStats, newHistogram, recordMs } from '../../src/metrics/histogram.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import type { GeneratorHealth } from '../../src/metrics/generator-health.js';
import { summarizeRun } from '../../src/summary/summarize-run.js';
import { e2eMs, headersMs, newResult, tpotMs, ttftMs, type RequestResult } from '../../src/metrics/request-result.js';

let nextId = 0;

/** result makes a successful measured RequestResult: 5 tokens, TTFT 100ms, E2E 500ms unless overridden. */
function result(over: Partial<RequestResult> = {}): RequestResult {
  return {
    ...newResult({
      id: nextId++,
      phase: 'measure',
      target: 'a',
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
    }),
    connection: 'reused',
    headersAtMs: 50,
    firstTokenAtMs: 100,
    firstContentAtMs: 100,
    endAtMs: 500,
    itlMs: [100, 100, 100, 100],
    contentDeltas: 5,
    outputTokens: 5,
    tokenSource: 'usage',
    status: 200,
    finishReason: 'stop',
    ...over,
  };
}

function failed(over: Partial<RequestResult> = {}): RequestResult {
  return result({
    status: 503,
    headersAtMs: 40,
    firstTokenAtMs: null,
    endAtMs: 45,
    itlMs: [],
    contentDeltas: 0,
    outputTokens: 0,
    errorKind: 'http_5xx',
    errorMessage: 'HTTP 503',
    finishReason: '',
    ...over,
  });
}

function histogramOf(values: number[]) {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return h;
}

/** expectNear asserts HDR precision: 3 significant digits, so within 0.1%. */
function expectNear(actual: number, expected: number, what = ''): void {
  expect(Math.abs(actual - expected), `${what} ${actual} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * 0.001);
}

const PERCENTILE_STATS = ['count', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const;
const PERCENTILES_ONLY = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;

const oneToThousand = Array.from({ length: 1000 }, (_, i) => i + 1);

describe('histogram', () => {
  it.each([
    ['p50', 500],
    ['p90', 900],
    ['p95', 950],
    ['p99', 990],
    ['p999', 999],
    ['min', 1],
    ['max', 1000],
    ['mean', 500.5],
  ] as const)('1..1000 ms uniformly: %s ≈ %d within 0.1%%', (stat, expected) => {
    expectNear(latencyStats(histogramOf(oneToThousand))[stat], expected);
  });

  it('keeps microsecond precision for small values', () => {
    expect(latencyStats(histogramOf([1.234])).p50).toBe(1.234);
  });

  it('summarises an empty histogram as no data (null), never as zeros that read as instant', () => {
    expect(latencyStats(newHistogram())).toEqual({
      count: 0,
      mean: null,
      stddev: null,
      min: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      p999: null,
      max: null,
    });
  });

  it('never reports a percentile above the largest value recorded, nor below the smallest', () => {
    // HdrHistogram answers a percentile with its bucket's highest equivalent value: 1303.373 ms
    // lands in a bucket that reaches 1303.551 ms, which is what p99 used to read.
    const h = histogramOf([1303.373, 1200, 1100, 1000]);
    const s = latencyStats(h);
    expect(s.max).toBe(1303.373);
    for (const k of PERCENTILES_ONLY) expect(s[k], k).toBeLessThanOrEqual(s.max!);
    // And on the low side: a single value is every percentile, exactly.
    const one = latencyStats(histogramOf([0.5]));
    for (const k of PERCENTILES_ONLY) expect(one[k], k).toBe(0.5);
    // A zero is the minimum (HdrHistogram's minNonZeroValue skips zeros).
    expect(latencyStats(histogramOf([0, 5])).min).toBe(0);
  });

  it('percentiles stay within [min, max] for any data', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 50; trial++) {
      const values = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => rand() * 10 ** (1 + rand() * 5));
      const s = latencyStats(histogramOf(values));
      for (const k of PERCENTILES_ONLY) {
        expect(s[k]!, `${k} of ${values.length} values`).toBeLessThanOrEqual(s.max!);
        expect(s[k]!, `${k} of ${values.length} values`).toBeGreaterThanOrEqual(s.min!);
      }
    }
  });

  it.each([
    // A 2-hour hang is still recorded, at the top of the range, not dropped or thrown.
    ['beyond the range', 7_200_000, HISTOGRAM_RANGE.highestTrackableUs / 1000],
    ['negative', -5, 0],
  ])('clamps %s values (%d ms)', (_, ms, clampedMs) => {
    const h = newHistogram();
    expect(() => recordMs(h, ms)).not.toThrow();
    const s = latencyStats(h);
    expect(s.count).toBe(1);
    expectNear(s.max, clampedMs);
  });

  it('encode → decode keeps count and percentiles', () => {
    const h = histogramOf([...oneToThousand, 0.5, 12.25, 3_000_000]);
    const [before, after] = [latencyStats(h), latencyStats(decodeHistogram(encodeHistogram(h)))];
    for (const k of PERCENTILE_STATS) expect(after[k], k).toBe(before[k]);
    // The encoding keeps bucket counts, not the exact extremes: min and max come back at bucket precision.
    expectNear(after.min, before.min, 'min');
    expectNear(after.max, before.max, 'max');
  });
});

describe('latency formulas', () => {
  it.each([
    { name: 'streamed 5 tokens', over: {}, ttft: 100, e2e: 500, headers: 50, tpot: 100 },
    { name: 'scheduled before sent (open loop)', over: { scheduledAtMs: -20 }, ttft: 120, e2e: 520, headers: 70, tpot: 100 },
    { name: '2 tokens', over: { outputTokens: 2, endAtMs: 130 }, ttft: 100, e2e: 130, headers: 50, tpot: 30 },
    { name: '1 token', over: { outputTokens: 1 }, ttft: 100, e2e: 500, headers: 50, tpot: null },
    { name: '0 tokens', over: { outputTokens: 0 }, ttft: 100, e2e: 500, headers: 50, tpot: null },
    { name: 'no first token', over: { firstTokenAtMs: null }, ttft: null, e2e: 500, headers: 50, tpot: null },
    {
      name: 'no headers',
      over: { headersAtMs: null, firstTokenAtMs: null, endAtMs: 10_000 },
      ttft: null,
      e2e: 10_000,
      headers: null,
      tpot: null,
    },
    { name: 'failed mid-stream', over: { errorKind: 'reset' as const }, ttft: 100, e2e: 500, headers: 50, tpot: null },
  ])('$name', ({ over, ttft, e2e, headers, tpot }) => {
    const r = result(over);
    expect(ttftMs(r)).toBe(ttft);
    expect(e2eMs(r)).toBe(e2e);
    expect(headersMs(r)).toBe(headers);
    expect(tpotMs(r)).toBe(tpot);
  });
});

describe('Recorder', () => {
  it('ignores warmup results for metrics but counts them', () => {
    const rec = new Recorder();
    rec.add(result({ phase: 'warmup', endAtMs: 9_999 }));
    rec.add(result({ phase: 'warmup', target: 'b' }));
    rec.add(result());
    expect(rec.warmupRequests).toBe(2);
    expect([...rec.groups.keys()]).toEqual(['a']);
    const g = rec.groups.get('a')!;
    expect(g.requests).toBe(1);
    expect(g.histograms.e2e.totalCount).toBe(1);
    expect(g.windowEndMs).toBe(500);
  });

  it('counts failures by kind, outside the latency histograms', () => {
    const rec = new Recorder();
    rec.add(result());
    rec.add(failed());
    rec.add(failed({ errorKind: 'http_429', status: 429 }));
    rec.add(failed());
    const g = rec.groups.get('a')!;
    expect(g).toMatchObject({ requests: 4, ok: 1, outputTokens: 5, inputTokens: 80 });
    expect(g.errorsByKind).toMatchObject({ http_5xx: 2, http_429: 1, reset: 0 });
    for (const m of ['ttft', 'tpot', 'e2e', 'headers'] as const) expect(g.histograms[m].totalCount, m).toBe(1);
    expect(g.histograms.itl.totalCount).toBe(4);
  });

  it('records each metric from the result', () => {
    const rec = new Recorder();
    rec.add(result({ scheduledAtMs: 10, headersAtMs: 30, firstTokenAtMs: 60, endAtMs: 260, outputTokens: 5, itlMs: [40, 50, 50, 60] }));
    const h = rec.groups.get('a')!.histograms;
    expectNear(latencyStats(h.ttft).p50, 50, 'ttft');
    expectNear(latencyStats(h.e2e).p50, 250, 'e2e');
    expectNear(latencyStats(h.headers).p50, 20, 'headers');
    expectNear(latencyStats(h.tpot).p50, 50, 'tpot'); // (250 − 50) / (5 − 1)
    const itl = latencyStats(h.itl);
    expect(itl.count).toBe(4);
    expectNear(itl.min, 40, 'itl min');
    expectNear(itl.max, 60, 'itl max');
  });

  it('groups by target and tallies token sources', () => {
    const rec = new Recorder();
    rec.add(result({ target: 'a' }));
    rec.add(result({ target: 'b', tokenSource: 'counted' }));
    rec.add(result({ target: 'b' }));
    expect([...rec.groups.keys()]).toEqual(['a', 'b']);
    expect(rec.groups.get('b')!.tokenSource).toEqual({ usage: 1, counted: 1 });
  });

  it('declare makes an idle target report with zero requests', () => {
    const rec = new Recorder();
    rec.declare({ target: 'idle', region: 'r', provider: 'p', model: 'm' });
    const s = summarizeGroup(rec.groups.get('idle')!);
    // Counts are real zeros; rates and windows over nothing are no data (null), not 0.
    expect(s.requests).toEqual({
      total: 0,
      ok: 0,
      failed: 0,
      errorRate: null,
      dropped: 0,
      droppedBy: {},
      queued: 0,
      newConnections: 0,
      errorsByKind: {},
      generatorFailed: 0,
      generatorErrorsByKind: {},
      errorSamples: {},
    });
    expect(s.offered).toBeNull();
    expect(s.throughput).toEqual({ requestsPerSec: null, outputTokensPerSec: null });
    expect(s.window).toBeNull();
    expect(s.metrics.ttft).toMatchObject({ count: 0, p50: null, p99: null });
    expect(s.tokens.usageVsCounted.meanAbsDiff).toBeNull();
  });
});

describe('summarizeGroup', () => {
  // Each request: scheduled at `start`, ends at `start + 500` with 5 output tokens.
  it.each([
    { name: 'one request', starts: [0], failures: 0, windowMs: 500, requestsPerSec: 2, outputTokensPerSec: 10, errorRate: 0 },
    {
      name: 'ten requests over 2s',
      starts: [0, 150, 300, 450, 600, 750, 900, 1050, 1200, 1500],
      failures: 0,
      windowMs: 2000,
      requestsPerSec: 5,
      outputTokensPerSec: 25,
      errorRate: 0,
    },
    {
      name: 'window starts late',
      starts: [1000, 1250],
      failures: 0,
      windowMs: 750,
      requestsPerSec: 2.667,
      outputTokensPerSec: 13.333,
      errorRate: 0,
    },
    // Failed requests count in throughput and the window; their (absent) tokens do not.
    { name: 'half failed', starts: [0, 500], failures: 2, windowMs: 1000, requestsPerSec: 4, outputTokensPerSec: 10, errorRate: 0.5 },
  ])('$name: throughput = requests / window', ({ starts, failures, windowMs, requestsPerSec, outputTokensPerSec, errorRate }) => {
    const rec = new Recorder();
    for (const start of starts)
      rec.add(
        result({ scheduledAtMs: start, sentAtMs: start, headersAtMs: start + 50, firstTokenAtMs: start + 100, endAtMs: start + 500 }),
      );
    for (let i = 0; i < failures; i++) rec.add(failed({ scheduledAtMs: starts[0]!, endAtMs: starts[0]! + 45 }));
    const s = summarizeGroup(rec.groups.get('a')!);
    expect(s.window!.durationMs).toBe(windowMs);
    expect(s.throughput).toEqual({ requestsPerSec, outputTokensPerSec });
    expect(s.requests.errorRate).toBe(errorRate);
    expect(s.requests.total).toBe(starts.length + failures);
  });

  it('lists only error kinds that occurred, and labels the group', () => {
    const rec = new Recorder();
    rec.add(failed({ errorKind: 'ttft_timeout' }));
    const s = summarizeGroup(rec.groups.get('a')!);
    expect(s.requests.errorsByKind).toEqual({ ttft_timeout: 1 });
    expect(s).toMatchObject({ key: 'a', target: 'a', region: 'r1', provider: 'mock', model: 'm' });
  });

  it('carries histograms that decode to the metrics it reports', () => {
    const rec = new Recorder();
    for (let i = 1; i <= 50; i++) rec.add(result({ endAtMs: 100 + i * 10 }));
    const s = summarizeGroup(rec.groups.get('a')!);
    const decoded = latencyStats(decodeHistogram(s.histograms.e2e));
    // Exact but for the maximum, which the encoding keeps at bucket precision (≤ 0.1%), and the
    // percentiles clamped to it.
    for (const k of PERCENTILE_STATS) expect(Math.abs(decoded[k]! - s.metrics.e2e[k]!), k).toBeLessThanOrEqual(s.metrics.e2e[k]! * 0.001);
    expect(decoded.count).toBe(s.metrics.e2e.count);
  });
});

describe('coalesced token gaps', () => {
  const healthy: GeneratorHealth = {
    eventLoopDelayMs: { mean: 1, p50: 1, p99: 2, max: 5 },
    dispatchLagMs: { p50: null, p99: null, max: null },
    eventLoopUtilization: 0.2,
    cpuPercent: 30,
    saturated: false,
    warnings: [],
  };
  const summarize = (rs: RequestResult[]) => {
    const rec = new Recorder();
    for (const r of rs) rec.add(r);
    return summarizeRun(rec, {
      tool: { name: 'x', version: '0' },
      runId: 'r',
      startedAt: '',
      endedAt: '',
      durationMs: 1,
      status: 'completed',
      loadModel: 'closed',
      stopReason: '',
      scenario: {},
      generator: healthy,
    });
  };
  // 20 requests of 5 tokens: 4 gaps each, 80 in all.
  const cases = [
    { name: 'none coalesced: share 0, no warning', coalesced: 0, share: 0, warned: false },
    { name: '1 in 4 coalesced: share 25 %, above 10 %: a warning naming the target', coalesced: 1, share: 0.25, warned: true },
    { name: 'every gap coalesced (whole replies in one read): share 100 %', coalesced: 4, share: 1, warned: true },
  ];
  for (const c of cases)
    it(c.name, () => {
      const rs = Array.from({ length: 20 }, () =>
        result({ itlMs: Array.from({ length: 4 - c.coalesced }, () => 100), coalescedGaps: c.coalesced }),
      );
      const s = summarize(rs);
      const g = s.groups.find((x) => x.target === 'a')!;
      expect(g.itlCoalesced).toEqual({ gaps: 20 * c.coalesced, share: c.share });
      expect(g.metrics.itl.count).toBe(20 * (4 - c.coalesced));
      // No data is not 0: with every gap coalesced, ITL has no value rather than 0 ms.
      if (c.coalesced === 4) expect(g.metrics.itl.p50).toBeNull();
      const warning = s.generator.warnings.find((w) => w.includes('bursts'));
      expect(Boolean(warning)).toBe(c.warned);
      if (c.warned) expect(warning).toContain(`a ${(c.share * 100).toFixed(1)}%`);
      expect(s.generator.saturated).toBe(false);
    });

  it('a group without any gap has share null, not 0', () => {
    const s = summarize([result({ itlMs: [], contentDeltas: 1, outputTokens: 1 })]);
    expect(s.groups[0]!.itlCoalesced).toEqual({ gaps: 0, share: null });
  });
});
