import { describe, expect, it } from 'vitest';
import { coEstimate } from '../../src/metrics/co-estimate.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';

// A closed loop hides a server stall: its users wait it out and send nothing meanwhile, so the
// stall is a handful of samples among thousands. The coordinated-omission estimate adds back the
// requests an open loop at the same rate would have sent during it.

let id = 0;
function served(e2eMs: number, at: number): RequestResult {
  const r = newResult({
    id: id++,
    phase: 'measure',
    target: 't',
    region: 'r',
    provider: 'mock',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: at,
    queuedMs: 0,
    inputTokens: 1,
    requestedOutputTokens: 4,
  });
  return Object.assign(r, {
    sentAtMs: at,
    status: 200,
    headersAtMs: at + 1,
    firstTokenAtMs: at + e2eMs - 5,
    firstContentAtMs: at + e2eMs - 5,
    endAtMs: at + e2eMs,
    contentDeltas: 4,
    outputTokens: 4,
  });
}

function group(samples: [count: number, e2eMs: number][]) {
  const rec = new Recorder();
  let at = 0;
  for (const [n, ms] of samples) for (let i = 0; i < n; i++) rec.add(served(ms, (at += 1)));
  return rec.groups.get('t')!;
}

describe('coordinated-omission estimate for a closed loop', () => {
  it('a 1 s stall at 20 users: the raw p99 barely moves, the estimate shows the stall, and a warning says so', () => {
    // 20 users at ~50 ms each for ~5 s, and one 1 s stall that held all 20.
    const g = group([
      [1980, 50],
      [20, 1050],
    ]);
    const co = coEstimate(g)!;
    expect(co.expectedIntervalMs).toBeCloseTo(50, 0);
    expect(co.stalls).toBe(20);
    // Each stalled request hid ~20 requests an open loop would have sent during the stall.
    expect(co.hiddenRequests).toBeGreaterThanOrEqual(20 * 19);
    expect(co.hiddenRequests).toBeLessThanOrEqual(20 * 21);
    const rawP99 = 50.025; // the raw histogram's p99: the stall is 1% of samples, just past p99
    expect(co.e2e.p99!).toBeGreaterThan(500);
    expect(co.e2e.p99!).toBeGreaterThan(rawP99 * 1.1);
    expect(co.ttft.p99!).toBeGreaterThan(500);
    expect(co.warning).toMatch(
      /^closed loop hid 20 stalls: .*raw E2E p99 [\d.]+ms .*would show E2E p99 ≈ [\d.]+ms \(an estimate: HdrHistogram's expected-interval correction\); rerun with rate: to measure it$/,
    );
  });

  it('no stall, no warning: the estimate equals the raw numbers', () => {
    const co = coEstimate(
      group([
        [500, 40],
        [500, 60],
      ]),
    )!;
    expect(co.stalls).toBe(0);
    expect(co.hiddenRequests).toBe(0);
    expect(co.warning).toBeNull();
  });

  it('nothing served, no estimate', () => {
    const rec = new Recorder();
    rec.declare({ target: 't', region: 'r', provider: 'mock', model: 'm' });
    expect(coEstimate(rec.groups.get('t')!)).toBeNull();
  });
});
