import { describe, expect, it } from 'vitest';
import { prng } from '../../src/random/prng.js';
import { sampler } from '../../src/random/distribution.js';
import { workloadSchema, type Workload } from '../../src/scenario/schema.js';
import { weightedPicker } from '../../src/workload/mix.js';
import { conversationSource, requestSource } from '../../src/workload/request-source.js';
import { tokenizer } from '../../src/workload/tokenizer.js';

// A weighted mix must deliver its weights (the production-day scenario is only as honest as its
// 60/25/10/5 split) and must be reproducible: every target draws the same n-th workload.

const DRAWS = 10_000;
/** Absolute tolerance on a share: at 10,000 draws one standard error of a 5% share is 0.2%, of 60% about 0.5%. */
const SHARE_TOLERANCE = 0.02;

function shares(picks: readonly number[], n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const p of picks) counts[p]!++;
  return counts.map((c) => c / picks.length);
}

function expectShares(actual: readonly number[], weights: readonly number[]): void {
  const total = weights.reduce((a, b) => a + b, 0);
  weights.forEach((w, i) => {
    expect(Math.abs(actual[i]! - w / total), `share of #${i} (weight ${w}) was ${actual[i]}`).toBeLessThanOrEqual(SHARE_TOLERANCE);
  });
}

function workload(fields: Partial<Record<keyof Workload, unknown>>): Workload {
  return workloadSchema.parse({ promptTokens: 8, maxTokens: 4, ...fields });
}

const MIX = [
  workload({ name: 'support-chat', weight: 60, turns: 3 }),
  workload({ name: 'rag', weight: 25 }),
  workload({ name: 'summarization', weight: 10, promptTokens: 40, sharedPrefixTokens: 20 }),
  workload({ name: 'code-review', weight: 5 }),
];
const NAMES = MIX.map((w) => w.name);

function picksOf(weights: readonly number[], seed: number): number[] {
  const pick = weightedPicker(weights);
  const rng = prng(seed);
  return Array.from({ length: DRAWS }, () => pick(rng));
}

function mixNames(seed: number, n = DRAWS): string[] {
  const src = conversationSource(MIX, seed);
  return Array.from({ length: n }, (_, seq) => src.at(seq).workload);
}

describe('weightedPicker', () => {
  it.each([
    { weights: [60, 25, 10, 5], seed: 1 },
    { weights: [60, 25, 10, 5], seed: 2026 },
    { weights: [1, 1], seed: 7 },
    { weights: [0.2, 0.3, 0.5], seed: 9 },
    { weights: [80, 15, 5], seed: 3 },
  ])('$weights (seed $seed): 10,000 draws land within 2% of each weight', ({ weights, seed }) => {
    expectShares(shares(picksOf(weights, seed), weights.length), weights);
  });

  it('a single weight always picks index 0', () => {
    expect(new Set(picksOf([3], 1))).toEqual(new Set([0]));
  });

  it('maps the unit interval onto cumulative weights (boundaries belong to the next bucket)', () => {
    const pick = weightedPicker([1, 2, 1]);
    const at = (x: number) => pick({ next: () => x });
    expect([0, 0.2499, 0.25, 0.7499, 0.75, 0.9999].map(at)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('same seed, same picks; another seed, other picks', () => {
    expect(picksOf([60, 25, 10, 5], 11)).toEqual(picksOf([60, 25, 10, 5], 11));
    expect(picksOf([60, 25, 10, 5], 11)).not.toEqual(picksOf([60, 25, 10, 5], 12));
  });
});

describe('conversationSource: a weighted workload mix', () => {
  it.each([1, 2026])('seed %i: workloads of seq 0..9999 land within 2% of 60/25/10/5', (seed) => {
    const names = mixNames(seed);
    expectShares(
      shares(
        names.map((n) => NAMES.indexOf(n)),
        NAMES.length,
      ),
      MIX.map((w) => w.weight),
    );
  });

  it('same seed gives the same sequence of workloads (every target gets the same n-th conversation)', () => {
    expect(mixNames(5, 500)).toEqual(mixNames(5, 500));
    expect(mixNames(5, 500)).not.toEqual(mixNames(6, 500));
  });

  it('is random access: the workload of seq n does not depend on what was asked before', () => {
    const a = conversationSource(MIX, 5);
    const b = conversationSource(MIX, 5);
    const forward = [0, 1, 2, 3, 4, 5, 6, 7].map((seq) => a.at(seq).workload);
    const backward = [7, 6, 5, 4, 3, 2, 1, 0].map((seq) => b.at(seq).workload).reverse();
    expect(backward).toEqual(forward);
  });

  it('a picked conversation is that workload’s own (turns and prompt come from the picked workload)', () => {
    const src = conversationSource(MIX, 3);
    for (let seq = 0; seq < 50; seq++) {
      const c = src.at(seq);
      const w = MIX.find((m) => m.name === c.workload)!;
      expect(c.turns).toBe(w.turns);
      const spec = c.turn(0, []);
      expect(spec.workload).toBe(w.name);
      expect(tokenizer(w.encoding).count(spec.messages.at(-1)!.content)).toBe(w.promptTokens);
    }
  });

  it('a single workload is not a mix: every conversation is that workload', () => {
    const src = conversationSource([MIX[1]!], 1);
    expect(new Set(Array.from({ length: 100 }, (_, seq) => src.at(seq).workload))).toEqual(new Set(['rag']));
  });
});

describe('empirical distribution', () => {
  it.each([
    { values: [3, 7, 11, 19], seed: 1 },
    { values: [620, 700, 760, 790, 800, 810, 840, 880, 950, 1100], seed: 104 },
    { values: [42], seed: 2 },
  ])('$values: draws only listed values, each about equally often', ({ values, seed }) => {
    const draw = sampler({ dist: 'empirical', values }, prng(seed));
    const xs = Array.from({ length: DRAWS }, draw);
    expect(new Set(xs).size).toBe(values.length);
    for (const x of xs) expect(values).toContain(x);
    const share = shares(
      xs.map((x) => values.indexOf(x)),
      values.length,
    );
    expectShares(
      share,
      values.map(() => 1),
    );
  });

  it('a value listed twice is drawn twice as often (each entry is one observation)', () => {
    const values = [5, 5, 9];
    const draw = sampler({ dist: 'empirical', values }, prng(3));
    const xs = Array.from({ length: DRAWS }, draw);
    const fives = xs.filter((x) => x === 5).length / DRAWS;
    expect(Math.abs(fives - 2 / 3)).toBeLessThanOrEqual(SHARE_TOLERANCE);
    expect(new Set(xs)).toEqual(new Set([5, 9]));
  });

  it('as promptTokens, every synthetic prompt is exactly one of the listed lengths, and every length occurs', () => {
    const values = [12, 30, 55];
    const src = requestSource(workload({ name: 'rag', promptTokens: { dist: 'empirical', values } }), 104);
    const tok = tokenizer();
    const lengths = Array.from({ length: 60 }, (_, seq) => tok.count(src.at(seq).messages.at(-1)!.content));
    for (const n of lengths) expect(values).toContain(n);
    expect(new Set(lengths)).toEqual(new Set(values));
  });
});
