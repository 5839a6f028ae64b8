import type { ChatMessage } from '../client/protocol.js';
import { prng, deriveSeed } from '../random/prng.js';
import { sampler, type Sampler } from '../random/distribution.js';
import type { Workload } from '../scenario/schema.js';
import { tokenizer } from './tokenizer.js';
import { promptSynthesizer } from './prompt.js';

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

/** RequestSource yields the sequence of requests of a workload. */
export interface RequestSource {
  next(): RequestSpec;
}

/**
 * requestSource makes a workload's request sequence from a seed. Every target of a scenario gets
 * its own source built from the *same* seed, so target A's n-th prompt is target B's n-th prompt:
 * the comparison is paired.
 */
export function requestSource(w: Workload, scenarioSeed: number): RequestSource {
  const tok = tokenizer(w.encoding);
  const synth = promptSynthesizer(tok);
  const rng = prng(deriveSeed(scenarioSeed, `workload:${w.name}`));
  const promptTokens: Sampler = sampler(w.promptTokens, rng);
  const systemTokens = w.systemPrompt ? tok.count(w.systemPrompt) : 0;
  return {
    next() {
      const n = Math.max(1, Math.round(promptTokens()));
      const messages: ChatMessage[] = [];
      if (w.systemPrompt) messages.push({ role: 'system', content: w.systemPrompt });
      messages.push({ role: 'user', content: synth.text(n, rng) });
      return {
        workload: w.name,
        turn: 0,
        messages,
        maxTokens: w.maxTokens,
        tokenLimitField: w.tokenLimitField,
        stream: w.stream,
        inputTokensCounted: systemTokens + n,
      };
    },
  };
}
