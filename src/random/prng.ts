/**
 * Prng is a small, fast, seedable pseudo-random generator (mulberry32). Reproducibility matters
 * more than quality here: the same seed must give the same prompts and the same mock latencies on
 * every machine, and Math.random() cannot be seeded.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
}

/** prng makes a mulberry32 generator from a 32-bit integer seed. */
export function prng(seed: number): Prng {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** deriveSeed mixes a base seed with a label, so each consumer (target, mock) gets its own stream. */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label, folded into the seed.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
