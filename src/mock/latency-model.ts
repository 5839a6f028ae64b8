import { prng } from '../random/prng.js';
import { sampler, type Sampler } from '../random/distribution.js';
import type { MockProfile } from '../scenario/schema.js';

/**
 * LatencyModel is a mock profile compiled to samplers sharing one seeded PRNG, so a mock started
 * with the same seed draws the same sequence of latencies.
 *
 * Timeline of one streamed response, from the moment the request is read:
 *   headers after rttMs → first content token ttftMs later → each next token itlMs later.
 * A client on loopback therefore measures TTFT ≈ rttMs + ttftMs and ITL ≈ itlMs.
 */
export interface LatencyModel {
  rttMs: Sampler;
  ttftMs: Sampler;
  itlMs: Sampler;
  /** Natural completion length, or Infinity when the profile runs to the token limit. */
  outputTokens: Sampler;
  /** Reasoning tokens streamed before the content (0 unless the profile sets them). */
  reasoningTokens: Sampler;
}

/** latencyModel compiles a profile with a seed. */
export function latencyModel(profile: MockProfile, seed: number): LatencyModel {
  const rng = prng(seed);
  const out = profile.outputTokens;
  return {
    rttMs: sampler(profile.rttMs, rng),
    ttftMs: sampler(profile.ttftMs, rng),
    itlMs: sampler(profile.itlMs, rng),
    outputTokens: out === undefined ? () => Infinity : sampler(out, rng),
    reasoningTokens: profile.reasoningTokens === undefined ? () => 0 : sampler(profile.reasoningTokens, rng),
  };
}
