import { describe, expect, it } from 'vitest';
import type { RequestResult } from '../../src/metrics/request-result.js';
import { Timeseries } from '../../src/metrics/timeseries.js';

// The per-second series: results by end second, dropped arrivals by scheduled second, one point
// per second. Only the fields the series reads are set.

/** ended is a successful measured result that ended at `endAtMs` after a 10ms TTFT, 20ms E2E. */
function ended(endAtMs: number, over: Partial<RequestResult> = {}): RequestResult {
  return {
    phase: 'measure',
    scheduledAtMs: endAtMs - 20,
    sentAtMs: endAtMs - 20,
    firstTokenAtMs: endAtMs - 10,
    endAtMs,
    errorKind: null,
    outputTokens: 3,
    itlMs: [],
    ...over,
  } as RequestResult;
}

describe('Timeseries', () => {
  it('buckets results by end second and drops by scheduled second', () => {
    const ts = new Timeseries();
    ts.add(ended(100));
    ts.add(ended(900, { errorKind: 'http_5xx', firstTokenAtMs: null }));
    ts.addDropped(950);
    ts.add(ended(1_010)); // scheduled in second 0, counted in second 1
    ts.addDropped(2_500);
    const points = ts.points();
    expect(points.map((p) => [p.second, p.requests, p.ok, p.failed, p.dropped, p.outputTokens])).toEqual([
      [0, 2, 1, 1, 1, 3],
      [1, 1, 1, 0, 0, 3],
      [2, 0, 0, 0, 1, 0],
    ]);
    // HDR histograms keep 3 significant digits.
    expect(points[0]!.ttft!.p50).toBeCloseTo(10, 1);
    expect(points[0]!.e2e!.p99).toBeCloseTo(20, 1);
    expect(points[2]!.ttft).toBeNull();
  });

  it('a result arriving a little out of order still lands in its own second', () => {
    const ts = new Timeseries();
    ts.add(ended(2_100));
    ts.add(ended(1_900)); // delivered after a later one, within the 2 open seconds
    expect(ts.points().map((p) => [p.second, p.requests])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  // Regression: a bucket is closed 2 s after a later second appears, and a later add() for that
  // second used to open a *second* point with the same `second`. It happens in real runs: on an
  // interrupt, runOpenLoop drops the arrivals still queued (maxInFlight + overflow: queue) with
  // their original scheduled times, which can be seconds old.
  it('an old second reopened late (queued arrivals dropped on interrupt) still yields one point per second', () => {
    const ts = new Timeseries();
    ts.add(ended(500));
    ts.add(ended(1_500));
    ts.add(ended(4_500));
    ts.addDropped(1_200); // queued since 1.2 s, dropped when the run is interrupted at 4.5 s
    const points = ts.points();
    const seconds = points.map((p) => p.second);
    expect(seconds).toEqual([...new Set(seconds)].sort((a, b) => a - b));
    expect(points.find((p) => p.second === 1)).toMatchObject({ requests: 1, dropped: 1 });
  });
});
