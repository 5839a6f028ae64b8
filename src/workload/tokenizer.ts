import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import type { EncodingName } from '../scenario/encodings.js';


/** Tokenizer counts and splits text with a real BPE encoding (gpt-tokenizer), not a chars/4 guess. */
export interface Tokenizer {
  readonly encoding: EncodingName;
  count(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

const cache = new Map<EncodingName, Tokenizer>();

/** tokenizer returns the (shared) tokenizer for an encoding. */
export function tokenizer(encoding: EncodingName = 'o200k_base'): Tokenizer {
  let t = cache.get(encoding);
  if (!t) {
    const m = encoding === 'o200k_base' ? o200k : cl100k;
    t = {
      encoding,
      count: (text) => (text.length === 0 ? 0 : m.countTokens(text)),
      encode: (text) => m.encode(text),
      decode: (tokens) => m.decode(tokens),
    };
    cache.set(encoding, t);
  }
  return t;
}
