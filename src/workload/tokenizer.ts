import { createRequire } from 'node:module';
import type * as Encoding from 'gpt-tokenizer/encoding/o200k_base';
import type { EncodingName } from '../scenario/encodings.js';

// An encoding's tables cost 40–70 MB and 100–270 ms to load, so each is loaded the first time a
// tokenizer for it is asked for (synchronously, from gpt-tokenizer's CommonJS build): `validate`
// loads none, a run only those its targets use.
const require = createRequire(import.meta.url);
const MODULES: Record<EncodingName, string> = {
  o200k_base: 'gpt-tokenizer/cjs/encoding/o200k_base',
  cl100k_base: 'gpt-tokenizer/cjs/encoding/cl100k_base',
};

/**
 * Tokenizer counts and splits text with a real BPE encoding (gpt-tokenizer), not a chars/4 guess.
 * Counting is bounded in time whatever the text: see `count`.
 */
export interface Tokenizer {
  readonly encoding: EncodingName;
  /**
   * count is the text's token count, in time linear in its length. BPE is quadratic in the length
   * of a word (128 KB of "xxx…" took 10 s), and models do emit base64, minified JSON and
   * degenerate repetition, so text is counted in pieces cut where the encoder's own pre-tokenizer
   * cuts (before a space that begins a word: the sum is exact), and a run of more than
   * MAX_RUN characters without such a place is counted in slices of MAX_RUN (within a few tokens
   * of exact per slice).
   */
  count(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

/** MAX_RUN is the longest stretch counted in one piece when text has no word boundary in it. */
export const MAX_RUN = 512;
// Pieces of ordinary text are gathered up to this length before they are counted (fewer calls).
const WINDOW = 4096;
// Characters encoded between clears of the encoder's merge cache: at most half as many cached
// words (single characters are not cached), well under the cache's 100,000.
const CLEAR_CACHE_EVERY = 128 * 1024;

const cache = new Map<EncodingName, Tokenizer>();

/** tokenizer returns the (shared) tokenizer for an encoding. */
export function tokenizer(encoding: EncodingName = 'o200k_base'): Tokenizer {
  let t = cache.get(encoding);
  if (!t) {
    const m = require(MODULES[encoding]) as typeof Encoding;
    // gpt-tokenizer caches up to 100,000 words' merges and, once full, evicts the oldest with
    // Map.keys().next(), which walks every hole earlier deletions left: text of unique words
    // (base64, hashes) made each count slower than the last (2 KB took 2 ms, then 20 ms after a
    // megabyte). Cleared before it can fill, the cache never evicts, and counting stays linear.
    let sinceClear = 0;
    const fresh = (n: number) => {
      sinceClear += n;
      if (sinceClear > CLEAR_CACHE_EVERY) {
        m.clearMergeCache();
        sinceClear = n;
      }
    };
    t = {
      encoding,
      count: (text) =>
        countInPieces(text, (piece) => {
          fresh(piece.length);
          return m.countTokens(piece);
        }),
      encode: (text) => {
        fresh(text.length);
        return m.encode(text);
      },
      decode: (tokens) => m.decode(tokens),
    };
    cache.set(encoding, t);
  }
  return t;
}

// countInPieces sums the counts of pieces of at most WINDOW characters plus one word, each cut
// before a space that begins a word, no word longer than MAX_RUN.
function countInPieces(text: string, countPiece: (piece: string) => number): number {
  const n = text.length;
  if (n === 0) return 0;
  if (n <= MAX_RUN) return countPiece(text);
  let total = 0;
  let pieceStart = 0;
  let wordStart = 0;
  for (let i = 1; i < n; i++) {
    if (text.charCodeAt(i) === 32 && i + 1 < n && !isSpace(text.charCodeAt(i + 1))) {
      if (i - pieceStart >= WINDOW) {
        total += countPiece(text.slice(pieceStart, i));
        pieceStart = i;
      }
      wordStart = i;
    } else if (i - wordStart >= MAX_RUN) {
      total += countPiece(text.slice(pieceStart, i));
      pieceStart = wordStart = i;
    }
  }
  return total + countPiece(text.slice(pieceStart));
}

/** isSpace: the characters that separate words for the count's cuts. */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
