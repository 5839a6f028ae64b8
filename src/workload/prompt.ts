import type { Prng } from '../random/prng.js';
import type { Tokenizer } from './tokenizer.js';
import { singleTokenWords } from './vocabulary.js';

/**
 * PromptSynthesizer makes filler text of an exact token length in a real BPE encoding. Words are
 * drawn with a seeded PRNG, so consecutive prompts differ from their first token on (a provider's
 * prefix cache cannot flatter the result) while the same seed reproduces the same prompts.
 */
export interface PromptSynthesizer {
  /** text returns a string that encodes to exactly `tokens` tokens. */
  text(tokens: number, rng: Prng): string;
}

/** promptSynthesizer builds a synthesizer for a tokenizer (vocabulary computed once). */
export function promptSynthesizer(tok: Tokenizer): PromptSynthesizer {
  const words = singleTokenWords(tok);
  if (words.length < 64) throw new Error(`vocabulary too small for ${tok.encoding}: ${words.length} words`);
  return {
    text(tokens, rng) {
      const n = Math.max(0, Math.round(tokens));
      const parts = new Array<string>(n);
      for (let i = 0; i < n; i++) parts[i] = words[Math.floor(rng.next() * words.length)]!;
      return parts.join(' ');
    },
  };
}
