import { describe, expect, it } from 'vitest';
import { prng } from '../../src/random/prng.js';
import { ENCODINGS } from '../../src/scenario/encodings.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { promptSynthesizer } from '../../src/workload/prompt.js';
import { requestSource, type RequestSpec } from '../../src/workload/request-source.js';
import { workloadSchema, type Workload } from '../../src/scenario/schema.js';

const LENGTHS = [0, 1, 2, 7, 100, 1000, 4000];

describe('tokenizer', () => {
  it.each(ENCODINGS)('%s counts, encodes and decodes consistently', (enc) => {
    const tok = tokenizer(enc);
    const text = 'The quick brown fox jumps over the lazy dog. héllo 世界 🚀';
    expect(tok.encoding).toBe(enc);
    expect(tok.count(text)).toBe(tok.encode(text).length);
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.count('')).toBe(0);
  });

  it('is shared per encoding', () => {
    expect(tokenizer('cl100k_base')).toBe(tokenizer('cl100k_base'));
    expect(tokenizer()).toBe(tokenizer('o200k_base'));
  });
});

describe('promptSynthesizer', () => {
  describe.each(ENCODINGS)('%s', (enc) => {
    const tok = tokenizer(enc);
    const synth = promptSynthesizer(tok);

    it.each(LENGTHS)('text(%i) is exactly that many tokens', (n) => {
      for (const seed of [1, 2, 3]) {
        const text = synth.text(n, prng(seed));
        expect(tok.encode(text).length, `seed ${seed}`).toBe(n);
      }
    });

    it('same seed, same text; different seed, different text', () => {
      expect(synth.text(100, prng(9))).toBe(synth.text(100, prng(9)));
      expect(synth.text(100, prng(9))).not.toBe(synth.text(100, prng(10)));
    });

    it('differs from the first token on between seeds (no shared prefix for a cache to hit)', () => {
      const firstWords = new Set([1, 2, 3, 4, 5].map((seed) => synth.text(50, prng(seed)).split(' ')[0]));
      expect(firstWords.size).toBeGreaterThan(1);
    });
  });
});

function workload(fields: Partial<Record<keyof Workload, unknown>> = {}): Workload {
  return workloadSchema.parse({ name: 'chat', ...fields });
}

function take(w: Workload, seed: number, n: number): RequestSpec[] {
  const src = requestSource(w, seed);
  return Array.from({ length: n }, (_, i) => src.at(i));
}

describe('requestSource', () => {
  const cases = [
    { name: 'fixed length, no system prompt', w: workload({ promptTokens: 64 }) },
    {
      name: 'uniform length with system prompt',
      w: workload({ systemPrompt: 'You are a concise, helpful assistant.', promptTokens: { dist: 'uniform', min: 20, max: 300 } }),
    },
    {
      name: 'cl100k_base',
      w: workload({ encoding: 'cl100k_base', systemPrompt: 'Be brief.', promptTokens: { dist: 'normal', mean: 50, stddev: 20 } }),
    },
  ];

  it.each(cases)('same seed gives the same request sequence ($name)', ({ w }) => {
    // Paired fairness: every target builds its own source from the scenario seed.
    expect(take(w, 42, 20)).toEqual(take(w, 42, 20));
  });

  it.each(cases)('different seeds give different prompts ($name)', ({ w }) => {
    const a = take(w, 1, 5).map((r) => r.messages.at(-1)!.content);
    const b = take(w, 2, 5).map((r) => r.messages.at(-1)!.content);
    expect(a).not.toEqual(b);
  });

  it.each(cases)('consecutive prompts differ ($name)', ({ w }) => {
    const prompts = take(w, 42, 10).map((r) => r.messages.at(-1)!.content);
    expect(new Set(prompts).size).toBe(prompts.length);
  });

  it.each(cases)('inputTokensCounted = tokens of system + user content ($name)', ({ w }) => {
    const tok = tokenizer(w.encoding);
    for (const r of take(w, 7, 20)) {
      const counted = r.messages.reduce((sum, m) => sum + tok.count(m.content), 0);
      expect(r.inputTokensCounted).toBe(counted);
    }
  });

  it('carries the workload settings into every request', () => {
    const w = workload({ systemPrompt: 'sys', maxTokens: 77, stream: false, tokenLimitField: 'max_completion_tokens' });
    const [r] = take(w, 1, 1);
    expect(r).toMatchObject({ workload: 'chat', turn: 1, maxTokens: 77, stream: false, tokenLimitField: 'max_completion_tokens' });
    expect(r!.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(r!.messages[0]!.content).toBe('sys');
  });

  it('is random access: request k is the same whatever was asked before it', () => {
    // Dropped arrivals skip sequence numbers; the n-th prompt must not depend on them.
    const w = workload({ promptTokens: { dist: 'uniform', min: 10, max: 50 } });
    const a = requestSource(w, 9);
    const b = requestSource(w, 9);
    const fromA = [a.at(0), a.at(1), a.at(2), a.at(3)];
    expect([b.at(3), b.at(0), b.at(2), b.at(1)]).toEqual([fromA[3], fromA[0], fromA[2], fromA[1]]);
  });

  it('never sends an empty user prompt (a draw of 0 tokens becomes 1)', () => {
    const [r] = take(workload({ promptTokens: { dist: 'uniform', min: 0, max: 0.4 } }), 1, 1);
    expect(r!.messages).toHaveLength(1);
    expect(r!.inputTokensCounted).toBe(1);
    expect(tokenizer().count(r!.messages[0]!.content)).toBe(1);
  });
});

describe('encodings load lazily', () => {
  it('importing the tokenizer loads no encoding; asking for one loads only that one', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { resolve } = await import('node:path');
    // A fresh process: this one may have loaded either encoding already. The rank tables are the
    // 40–70 MB an encoding costs.
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /gpt-tokenizer.cjs.bpeRanks/.test(k)).map((k) => k.replace(/.*bpeRanks./, ''));
      const { tokenizer } = await import(${JSON.stringify(resolve('dist/workload/tokenizer.js'))});
      const before = loaded();
      const n = tokenizer('cl100k_base').count('hello world');
      console.log(JSON.stringify({ before, after: loaded(), n }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: resolve('.') });
    expect(JSON.parse(stdout)).toEqual({ before: [], after: ['cl100k_base.js'], n: 2 });
  });
});
