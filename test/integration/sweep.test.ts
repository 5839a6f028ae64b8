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
