import { describe, expect, it } from 'vitest';
import { nextLevel, nextSharedLevel, observe, type SearchState } from '../../src/runner/sweep-search.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { sweepSchema } from '../../src/scenario/schema.js';

// The capacity search, driven by an oracle that knows each target's true capacity (a level meets the SLO when it is at
// most the capacity): every search ends on min(capacity, to), or on none when even `from` is too much.

function search(capacities: readonly number[], from: number, to: number) {
  const states: SearchState[] = capacities.map(() => ({ pass: null, fail: null }));
  const probed: number[] = [];
  for (let level = nextSharedLevel(states, { from, to }); level !== null; level = nextSharedLevel(states, { from, to })) {
    probed.push(level);
    if (probed.length > 100) throw new Error('the search does not end');
    for (const [i, st] of states.entries()) observe(st, level, level <= capacities[i]!);
  }
  return { found: states.map((s) => s.pass), probed };
}

describe('capacity search', () => {
  it.each([
    // [capacity, from, to, found, levels probed in order]
    [24, 4, 64, 24, [4, 8, 16, 32, 24, 28, 26, 25]],
    [24, 16, 32, 24, [16, 32, 24, 28, 26, 25]],
    [1, 1, 64, 1, [1, 2]],
    [64, 1, 64, 64, [1, 2, 4, 8, 16, 32, 64]],
    [100, 1, 64, 64, [1, 2, 4, 8, 16, 32, 64]],
    [3, 4, 64, 'none', [4]],
    [5, 5, 5, 5, [5]],
    [7, 1, 10, 7, [1, 2, 4, 8, 6, 7]],
  ])('capacity %i, from %i to %i: finds %s', (capacity, from, to, found, probed) => {
    const r = search([capacity], from, to);
    expect(r.found[0] ?? 'none').toBe(found);
    expect(r.probed).toEqual(probed);
  });

  it('finds every target its own level in passes shared by all, each probed once', () => {
    for (const caps of [
      [24, 5, 40],
      [1, 64, 13],
      [9, 9, 9],
    ]) {
      const r = search(caps, 1, 64);
      expect(r.found).toEqual(caps.map((c) => Math.min(c, 64)));
      expect(new Set(r.probed).size).toBe(r.probed.length);
    }
  });

  it('keeps what it knows when a level near the edge answers the other way (noise)', () => {
    const st: SearchState = { pass: 24, fail: 25 };
    observe(st, 30, true);
    observe(st, 20, false);
    expect(st).toEqual({ pass: 24, fail: 25 });
    expect(nextLevel(st, { from: 1, to: 64 })).toBeNull();
  });
});

describe('the search form of sweep', () => {
  const scenario = (extra: Record<string, unknown>) => ({
    name: 's',
    targets: [{ name: 't', model: 'm', mock: {} }],
    workload: { promptTokens: 8, maxTokens: 4 },
    load: { concurrency: 1, duration: '1s' },
    ...extra,
  });
  const problems = (extra: Record<string, unknown>) => {
    const v = validateScenario(scenario(extra));
    return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('reads as a sweep whose SLO is the goodput attainment', () => {
    expect(sweepSchema.parse({ search: 'concurrency', from: 2, to: 32, goodput: '95%' })).toEqual({
      over: 'concurrency',
      search: { from: 2, to: 32, goodput: 0.95 },
      slo: ['goodput >= 95%'],
      stopAfterKnee: false,
    });
    expect(
      problems({ goodput: { ttft: '600ms' }, sweep: { search: 'rate', from: 1, to: 40, goodput: '99.9%', stepDuration: '2s' } }),
    ).toEqual([]);
  });

  it.each([
    [
      { goodput: { ttft: '600ms' }, sweep: { search: 'concurrency', from: 8, to: 4, goodput: '95%' } },
      /sweep\.to: to must be ≥ from \(8\)/,
    ],
    [{ goodput: { ttft: '600ms' }, sweep: { search: 'concurrency', from: 1.5, to: 4, goodput: '95%' } }, /sweep\.from/],
    [
      { goodput: { ttft: '600ms' }, sweep: { search: 'concurrency', from: 1, to: 4, goodput: 0.95 } },
      /sweep\.goodput: expected a percentage/,
    ],
    [
      { sweep: { search: 'concurrency', from: 1, to: 4, goodput: '95%' } },
      /sweep\.search: looks for the highest level meeting the goodput: bounds, and the scenario has none/,
    ],
  ])('refuses %j', (extra, message) => expect(problems(extra).join('\n')).toMatch(message));
});

describe("a search's cost estimate", () => {
  it('counts at least as many levels as any search probes, each at its highest level', async () => {
    const { sweepLevelsBound } = await import('../../src/runner/plan.js');
    for (const [from, to] of [
      [1, 64],
      [4, 64],
      [16, 32],
      [3, 100],
      [5, 5],
      [7, 8],
    ] as const) {
      const bound = sweepLevelsBound({ over: 'concurrency', search: { from, to, goodput: 0.95 }, slo: [], stopAfterKnee: false });
      expect(bound.every((v) => v === to)).toBe(true);
      for (let capacity = 0; capacity <= to + 1; capacity++)
        expect(search([capacity], from, to).probed.length).toBeLessThanOrEqual(bound.length);
    }
  });
});
