import type { ChatMessage } from '../client/protocol.js';
import { prng, deriveSeed } from '../random/prng.js';
import { sampler } from '../random/distribution.js';
import type { Workload } from '../scenario/schema.js';
import { tokenizer } from './tokenizer.js';
import { promptSynthesizer } from './prompt.js';
import type { TraceEntry } from './trace.js';

/** RequestSpec is what to send: messages and limits, with the prompt's token count. */
export interface RequestSpec {
  workload: string;
  turn: number;
  messages: ChatMessage[];
  maxTokens: number;
  tokenLimitField: Workload['tokenLimitField'];
  stream: boolean;
  inputTokensCounted: number;
}

/**
 * RequestSource gives the request for arrival number `seq` (0, 1, 2, … per target). Random access
 * by sequence number — each request's randomness comes from (seed, seq) alone — so every target
 * gets the same n-th prompt whatever was dropped, queued or reordered: comparisons are paired.
 */
export interface RequestSource {
  at(seq: number): RequestSpec;
  /** How many requests the source holds (a trace), or Infinity. */
  readonly length: number;
}

/** requestSource makes a workload's synthetic request sequence from a seed. */
export function requestSource(w: Workload, scenarioSeed: number): RequestSource {
  const tok = tokenizer(w.encoding);
  const synth = promptSynthesizer(tok);
  const base = deriveSeed(scenarioSeed, `workload:${w.name}`);
  const systemTokens = w.systemPrompt ? tok.count(w.systemPrompt) : 0;
  return {
    length: Infinity,
    at(seq) {
      const rng = prng(deriveSeed(base, String(seq)));
      const n = Math.max(1, Math.round(sampler(w.promptTokens, rng)()));
      return spec(w, withSystem(w, synth.text(n, rng)), w.maxTokens, systemTokens + n);
    },
  };
}

/** traceSource serves a trace's requests: literal messages, or a synthetic prompt of the recorded size. */
export function traceSource(entries: readonly TraceEntry[], w: Workload, scenarioSeed: number): RequestSource {
  const tok = tokenizer(w.encoding);
  const synth = promptSynthesizer(tok);
  const base = deriveSeed(scenarioSeed, `trace:${w.name}`);
  return {
    length: entries.length,
    at(seq) {
      const e = entries[seq % entries.length]!;
      const maxTokens = e.maxTokens ?? w.maxTokens;
      if (e.messages) return spec(w, e.messages, maxTokens, e.messages.reduce((n, m) => n + tok.count(m.content), 0));
      const n = e.inputTokens!;
      return spec(w, [{ role: 'user', content: synth.text(n, prng(deriveSeed(base, String(seq)))) }], maxTokens, n);
    },
  };
}

function withSystem(w: Workload, user: string): ChatMessage[] {
  return w.systemPrompt ? [{ role: 'system', content: w.systemPrompt }, { role: 'user', content: user }] : [{ role: 'user', content: user }];
}

function spec(w: Workload, messages: ChatMessage[], maxTokens: number, inputTokensCounted: number): RequestSpec {
  return { workload: w.name, turn: 0, messages, maxTokens, tokenLimitField: w.tokenLimitField, stream: w.stream, inputTokensCounted };
}
