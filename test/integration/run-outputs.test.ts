import { describe, expect, it } from 'vitest';
import type { RequestResult } from '../../src/metrics/request-result.js';
import type { RunOutput, RunStart } from '../../src/metrics/run-output.js';
import { runScenario } from '../../src/runner/run-scenario.js';
import { startMockServer } from '../../src/mock/server.js';
import { scenarioOf } from '../support/scenario-run.js';

// A run's outputs (metrics/run-output.ts) against the embedded mock: each is started once before
// the first result, sees every result (warmup included) in the order the run sent them on, and is
// stopped once after the last, before runScenario returns.

type Event = { kind: 'start'; run: RunStart } | { kind: 'add'; r: RequestResult } | { kind: 'stop' };

function recording(): { output: RunOutput; events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    output: {
      start: (run) => void events.push({ kind: 'start', run }),
      add: (r) => void events.push({ kind: 'add', r }),
      stop: async () => void events.push({ kind: 'stop' }),
    },
  };
}

describe('run outputs', () => {
  it('start, then every result (warmup included), then stop, for each output of the list', async () => {
    const s = scenarioOf({
      targets: [
        { name: 'a', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } },
        { name: 'b', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } },
      ],
      load: { concurrency: 2, requests: 6, warmup: 2 },
    });
    const first = recording();
    const second = recording();
    const order: string[] = [];
    const summary = await runScenario(s, {
      runId: 'outputs-test',
      env: {},
      startMock: startMockServer,
      outputs: [first.output, { add: () => void order.push('add'), stop: () => void order.push('stop') }, second.output],
    });
    order.push('returned');

    for (const { events } of [first, second]) {
      const kinds = events.map((e) => e.kind);
      expect(kinds[0]).toBe('start');
      expect(kinds.at(-1)).toBe('stop');
      expect(kinds.filter((k) => k === 'start')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'stop')).toHaveLength(1);
      const results = events.flatMap((e) => (e.kind === 'add' ? [e.r] : []));
      // Every measured request of both targets, and the warmup ones the summary counts apart.
      const measured = results.filter((r) => r.phase === 'measure');
      const warmup = results.filter((r) => r.phase === 'warmup');
      expect(measured).toHaveLength(summary.groups.reduce((n, g) => n + g.requests.total, 0));
      expect(measured.length).toBe(2 * 6);
      expect(warmup.length).toBe(summary.warmupRequests);
      expect(warmup.length).toBeGreaterThan(0);
      // The start carries the run's clock: the summary's start is that instant.
      const start = events[0] as Extract<Event, { kind: 'start' }>;
      expect(new Date(start.run.originEpochMs + start.run.startedAtMs).toISOString()).toBe(summary.startedAt);
      // No result was sent before the run's start instant.
      for (const r of results) expect(r.sentAtMs).toBeGreaterThanOrEqual(start.run.startedAtMs);
    }
    // Every output saw the same results in the same order.
    const ids = (events: Event[]) => events.flatMap((e) => (e.kind === 'add' ? [`${e.r.target}#${e.r.id}`] : []));
    expect(ids(second.events)).toEqual(ids(first.events));
    // Stopped once, after its last result, before runScenario returned.
    expect(order.slice(-2)).toEqual(['stop', 'returned']);
    expect(order.filter((o) => o === 'add')).toHaveLength(ids(first.events).length);
  });

  it('stops every output when the run fails before it starts', async () => {
    const s = scenarioOf({
      targets: [{ name: 'a', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } }],
      load: { concurrency: 1, requests: 1 },
    });
    const out = recording();
    const failing = () => Promise.reject(new Error('no mock today'));
    await expect(runScenario(s, { runId: 'outputs-fail', env: {}, startMock: failing, outputs: [out.output] })).rejects.toThrow(
      /no mock today/,
    );
    expect(out.events.map((e) => e.kind)).toEqual(['stop']);
  });
});
