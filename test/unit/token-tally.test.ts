import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prng } from '../../src/random/prng.js';
import { TokenTally, type CountElsewhere } from '../../src/workload/token-tally.js';
import { MAX_RUN, tokenizer } from '../../src/workload/tokenizer.js';

// Counting in pieces (so a reply's count is bounded in time whatever its text) must give the
// count of the whole text: exactly where the text has word boundaries, within a token or two per
// MAX_RUN slice of a run without one.

const tok = tokenizer('o200k_base');
const prose =
  'The quick brown fox jumps over the lazy dog, twice; then "it" rests.\n\nHéllo 世界 🚀 — code: fn(x) { return x * 2; }  \tdone. ';
const TEXTS: { name: string; text: string; exact: boolean }[] = [
  { name: 'empty', text: '', exact: true },
  { name: 'one word', text: 'hello', exact: true },
  { name: 'prose, 60 KB', text: prose.repeat(500), exact: true },
  { name: 'prose without the trailing space', text: prose.repeat(40).trimEnd(), exact: true },
  { name: 'runs of spaces and newlines', text: 'a  b   c\n\n\n d \t e'.repeat(300), exact: true },
  { name: 'a word just under MAX_RUN characters', text: `start ${'y'.repeat(MAX_RUN - 2)} end`, exact: true },
  { name: 'a word of MAX_RUN characters', text: `start ${'y'.repeat(MAX_RUN)} end`, exact: false },
  { name: '5,000 x without a space', text: 'x'.repeat(5000), exact: false },
  { name: 'base64, 6 KB', text: randomBytes(4608).toString('base64'), exact: false },
];

// Deltas of random sizes (1 to 40 characters), cut anywhere: mid-word, mid-space run.
function deltas(text: string, seed: number): string[] {
  const rng = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(rng.next() * 40);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

// Runs without a word boundary are counted in slices: within a token or two of exact per slice.
const near = (text: string) => 2 * Math.ceil(text.length / MAX_RUN);

// A counting thread stand-in: answers later, and out of order.
const elsewhere: CountElsewhere = (text) => new Promise((resolve) => setTimeout(() => resolve(tok.count(text)), Math.random() * 5));

describe('tokenizer.count', () => {
  it.each(TEXTS)('$name: counted in pieces as the encoder counts it whole', ({ text, exact }) => {
    const whole = tok.encode(text).length;
    const counted = tok.count(text);
    if (exact) expect(counted).toBe(whole);
    else expect(Math.abs(counted - whole)).toBeLessThanOrEqual(near(text));
  });
});

describe('TokenTally', () => {
  describe.each([
    { where: 'counted here', elsewhere: null },
    { where: 'counted on another thread', elsewhere },
  ])('$where', ({ elsewhere: other }) => {
    it.each(TEXTS)('$name: the deltas sum to the count of the whole', async ({ text, exact }) => {
      const whole = tok.encode(text).length;
      for (const seed of [1, 2]) {
        const tally = new TokenTally(tok, other);
        for (const d of deltas(text, seed)) tally.push(d);
        const n = await tally.finish();
        if (exact) expect(n, `seed ${seed}`).toBe(whole);
        else expect(Math.abs(n - whole), `seed ${seed}: ${n} vs ${whole}`).toBeLessThanOrEqual(near(text));
      }
    });

    it('a single delta of 300 KB (pushAsync) counts as the whole', async () => {
      const text = prose.repeat(2500);
      const tally = new TokenTally(tok, other);
      await tally.pushAsync(text);
      expect(await tally.finish()).toBe(tok.count(text));
    });
  });
});
