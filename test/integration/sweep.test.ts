import { describe, expect, it } from 'vitest';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// A capacity sweep end to end: a mock that serves 2 requests at once (more wait in line, their
// wait landing in TTFT, as an inference server queues beyond its batch) and a closed loop stepped
// over 1, 2, 16 and 32 users. Up to 2 users TTFT is the mock's 20 ms; at 16 users fourteen wait
// behind pairs of ~110 ms requests, so TTFT is ~800 ms — far on either side of the 300 ms SLO: a
// busy machine (which only adds latency) would need to add 280 ms to fail a passing level, and
// cannot make a failing one pass.

describe('capacity sweep against a mock with 2 slots', () => {
  it('steps the users level by level, finds the knee at 2, and stops after every target failed', async () => {
    const s = scenarioOf({
      targets: [{ name: 'batch2', model: 'mock-model', mock: { rttMs: 0, ttftMs: 20, itlMs: 30, slots: 2 } }],
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { concurrency: 1, duration: '1s' },
      sweep: { over: 'concurrency', values: [1, 2, 16, 32], stepDuration: '1s', slo: ['ttft.p99 < 300ms'] },
    });
    const levels: string[] = [];
    const { summary, measured } = await runCollecting(s, { onStep: (step) => levels.push(step) });

    expect(levels).toEqual(['concurrency=1', 'concurrency=2', 'concurrency=16']);
    const sw = summary.sweep!;
    expect(sw.steps.map((st) => [st.label, st.targets[0]!.pass])).toEqual([
      ['concurrency=1', true],
      ['concurrency=2', true],
      ['concurrency=16', false],
    ]);
    expect(sw.knee).toEqual([{ target: 'batch2', value: 2, label: 'concurrency=2' }]);
    // Each level has its own group, and its results are labelled with the level.
    for (const step of levels) {
      const g = summary.groups.find((x) => x.scope === 'target' && x.step === step)!;
      expect(g.requests.total).toBeGreaterThan(0);
      expect(g.requests.failed).toBe(0);
      expect(measured.filter((r) => r.step === step)).toHaveLength(g.requests.total);
    }
    const at = (step: string) => sw.steps.find((st) => st.label === step)!.targets[0]!;
    expect(at('concurrency=16').ttftP99Ms).toBeGreaterThan(100);
    expect(at('concurrency=16').checks).toEqual([expect.objectContaining({ threshold: 'ttft.p99 < 300ms', pass: false })]);
    // More users, more throughput until the slots are full.
    expect(at('concurrency=2').requestsPerSec!).toBeGreaterThan(at('concurrency=1').requestsPerSec! * 1.5);
  });
});

describe('a sweep over the other load model', () => {
  it('a closed-loop scenario swept over rate runs (and is reported as) an open loop at every level', async () => {
    const s = scenarioOf({
      targets: [{ name: 'm', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } }],
      load: { concurrency: 2, duration: '300ms' },
      sweep: { over: 'rate', values: [10, 20], stepDuration: '300ms' },
    });
    const { summary } = await runCollecting(s);
    expect(summary.loadModel).toBe('open');
    expect(summary.groups.every((g) => g.coEstimate === undefined)).toBe(true);
  });
});

// The capacity search against a mock that shares its compute past 8 requests: with N users in flight every TTFT is
// 100 ms × N / 8 beyond 8 (mock.capacity). A TTFT bound of 306 ms is met while 100 × N / 8 ≤ 306, so the capacity
// model predicts the highest level N = floor(8 × 306 / 100) = 24 (300 ms; 25 users make it 312.5 ms). A busy machine only
// adds latency, so it can make 24 miss (then 23 is found: one bisection step below) but never make 25 pass.
describe('capacity search against a mock with capacity 8', () => {
  it('doubles, then bisects to the level the capacity model predicts, reporting each probed level', async () => {
    const s = scenarioOf({
      targets: [{ name: 'cap8', model: 'mock-model', mock: { rttMs: 0, ttftMs: 100, itlMs: 2, capacity: 8 } }],
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { concurrency: 1, duration: '1s' },
      goodput: { ttft: '306ms' },
      sweep: { search: 'concurrency', from: 16, to: 32, goodput: '95%', stepDuration: '1200ms' },
    });
    const levels: string[] = [];
    const { summary } = await runCollecting(s, { onStep: (step) => levels.push(step) });
    const sw = summary.sweep!;
    const predicted = Math.floor((8 * 306) / 100);
    const knee = sw.knee[0]!.value!;
    expect(predicted).toBe(24);
    expect([predicted - 1, predicted]).toContain(knee);
    // From 16 (met) the search doubles to 32 (missed), then bisects: 24, then 28, 26, 25 (or below 24 if 24 missed).
    expect(levels.slice(0, 3)).toEqual(['concurrency=16', 'concurrency=32', 'concurrency=24']);
    const at = (level: number) => sw.steps.find((st) => st.value === level)!.targets[0]!;
    expect(at(16).pass).toBe(true);
    expect(at(32).pass).toBe(false);
    // Each probed level reports its goodput, error rate and percentiles.
    for (const st of sw.steps) {
      const t = st.targets[0]!;
      expect(t.goodput).not.toBeNull();
      expect(t.errorRate).toBe(0);
      expect(t.ttftP99Ms).not.toBeNull();
      expect(t.pass).toBe(t.goodput! >= 0.95);
    }
    // The level above the knee missed the SLO: 32 users see TTFT ≈ 400 ms, none under the bound.
    expect(at(32).goodput).toBeLessThan(0.5);
    expect(sw.slo).toEqual(['goodput >= 95%']);
  });
});
