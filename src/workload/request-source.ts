import type { ChatMessage } from './chat-message.js';
import { prng, deriveSeed, type Prng } from '../random/prng.js';
import { sampler } from '../random/distribution.js';
import { MAX_TOKENS_PER_REQUEST, type Workload } from '../scenario/schema.js';
import type { EncodingName } from '../scenario/encodings.js';
import { tokenizer, type Tokenizer } from './tokenizer.js';
import { promptSynthesizer, type PromptSynthesizer } from './prompt.js';
import type { TraceEntry } from './trace.js';
import type { DatasetEntry } from './dataset.js';
import { weightedPicker } from './mix.js';

/** RequestSpec is what to send: messages and limits, with the prompt's token count. */
export interface RequestSpec {
  workload: string;
  /** Turn number within the conversation: 1 for the first message. */
  turn: number;
  messages: ChatMessage[];
  maxTokens: number;
  tokenLimitField: Workload['tokenLimitField'];
  stream: boolean;
  encoding: EncodingName;
  inputTokensCounted: number;
}

/**
 * Conversation is what one arrival sends: one request, or several turns where turn k carries the
 * k−1 earlier exchanges with the assistant's *actual* replies (so it can only be built once those
 * replies are in).
 */
export interface Conversation {
  workload: string;
  turns: number;
  /** The request for turn k, given the replies to turns 0…k−1. */
  turn(k: number, replies: readonly string[]): RequestSpec;
  /** Pause before turn k (k ≥ 1), in ms. */
  thinkTimeMs(k: number): number;
}

/**
 * ConversationSource gives the conversation for arrival number `seq` (0, 1, 2, … per target).
 * Random access by sequence number — each conversation's randomness comes from (seed, seq) alone —
 * so every target gets the same n-th conversation whatever was dropped or reordered: comparisons
 * are paired.
 */
export interface ConversationSource {
  /** The conversation for arrival `seq`; `ordinal` is its index among this workload's own arrivals (for in-order datasets). */
  at(seq: number, ordinal?: number): Conversation;
}

/** SourceInputs are the loaded files a source may draw from, by workload name. */
export interface SourceInputs {
  datasets?: ReadonlyMap<string, readonly DatasetEntry[]>;
  trace?: readonly TraceEntry[];
}

/** conversationSource makes the source for a scenario's workloads: one, or a weighted mix, or a trace. */
export function conversationSource(workloads: readonly Workload[], seed: number, inputs: SourceInputs = {}): ConversationSource {
  if (inputs.trace) {
    const t = traceSource(inputs.trace, workloads[0]!, seed);
    return { at: (seq) => single(workloads[0]!, t.at(seq)) };
  }
  const sources = workloads.map((w) => workloadSource(w, seed, inputs.datasets?.get(w.name)));
  if (sources.length === 1) return sources[0]!;
  const pick = weightedPicker(workloads.map((w) => w.weight));
  const mixSeed = deriveSeed(seed, 'mix');
  const pickAt = (seq: number) => pick(prng(deriveSeed(mixSeed, String(seq))));
  // A forward cursor counts each workload's arrivals so far, so an in-order dataset walks its own
  // entries in order however the mix interleaves. Callers ask in increasing seq (one source per
  // target); asking backwards recounts from 0.
  let cursor = 0;
  const counts = workloads.map(() => 0);
  return {
    at(seq) {
      if (seq < cursor) {
        cursor = 0;
        counts.fill(0);
      }
      for (; cursor < seq; cursor++) counts[pickAt(cursor)]!++;
      const i = pickAt(seq);
      return sources[i]!.at(seq, counts[i]);
    },
  };
}

/** workloadSource makes one workload's conversations: synthetic prompts, or a dataset's. */
export function workloadSource(w: Workload, scenarioSeed: number, dataset?: readonly DatasetEntry[]): ConversationSource {
  const tok = tokenizer(w.encoding);
  const synth = promptSynthesizer(tok);
  const base = deriveSeed(scenarioSeed, `workload:${w.name}`);
  const prefix = w.sharedPrefixTokens > 0 ? synth.text(w.sharedPrefixTokens, prng(deriveSeed(base, 'prefix'))) : '';
  const maxTokens = (rng: Prng) => tokenDraw(sampler(w.maxTokens, rng)());
  // Counting tokens costs more than making the text; synthetic text has a known length, so only
  // what we did not make (system prompt once, replies, dataset text) is ever counted.
  const systemTokens = w.systemPrompt ? tok.count(w.systemPrompt) : 0;
  const think = (rng: Prng) => sampler(w.thinkTimeMs, rng)();
  return {
    at(seq, ordinal = seq) {
      const seqSeed = deriveSeed(base, String(seq));
      const turnRng = (k: number) => prng(deriveSeed(seqSeed, `turn:${k}`));
      if (dataset) return datasetConversation(w, tok, dataset, seqSeed, ordinal, turnRng, maxTokens, think, systemTokens);
      const users: string[] = [];
      const userTokens: number[] = [];
      const userText = (k: number) => {
        while (users.length <= k) {
          const i = users.length;
          const rng = turnRng(i);
          const n = tokenDraw(sampler(w.promptTokens, rng)());
          users.push(syntheticPrompt(synth, rng, n, i === 0 ? prefix : '', w.sharedPrefixTokens));
          userTokens.push(Math.max(n, i === 0 ? w.sharedPrefixTokens : 0));
        }
        return users[k]!;
      };
      return {
        workload: w.name,
        turns: w.turns,
        turn(k, replies) {
          const user = userText(k);
          const known = systemTokens + userTokens.slice(0, k + 1).reduce((a, b) => a + b, 0);
          return build(w, tok, w.systemPrompt, users.slice(0, k), replies, user, maxTokens(turnRng(k)), k, known);
        },
        thinkTimeMs: (k) => think(prng(deriveSeed(seqSeed, `think:${k}`))),
      };
    },
  };
}

// A synthetic user message of exactly n tokens whose first `prefixTokens` are the shared prefix.
function syntheticPrompt(synth: PromptSynthesizer, rng: Prng, n: number, prefix: string, prefixTokens: number): string {
  if (!prefix) return synth.text(n, rng);
  const rest = n - prefixTokens;
  return rest > 0 ? `${prefix} ${synth.text(rest, rng)}` : prefix;
}

function datasetConversation(
  w: Workload,
  tok: Tokenizer,
  dataset: readonly DatasetEntry[],
  seqSeed: number,
  ordinal: number,
  turnRng: (k: number) => Prng,
  maxTokens: (rng: Prng) => number,
  think: (rng: Prng) => number,
  workloadSystemTokens: number,
): Conversation {
  const index =
    w.dataset!.order === 'sequential' ? ordinal % dataset.length : Math.floor(prng(deriveSeed(seqSeed, 'entry')).next() * dataset.length);
  const e = dataset[index]!;
  return {
    workload: w.name,
    turns: Math.min(w.turns, e.userTurns.length),
    turn(k, replies) {
      const ref = e.referenceReplies[k];
      const limit = w.dataset!.outputLength === 'reference' && ref ? Math.max(1, tok.count(ref)) : maxTokens(turnRng(k));
      const sys = e.system !== undefined ? tok.count(e.system) : workloadSystemTokens;
      const users = e.userTurns.slice(0, k + 1).reduce((n, u) => n + tok.count(u), 0);
      return build(w, tok, e.system ?? w.systemPrompt, e.userTurns.slice(0, k), replies, e.userTurns[k]!, limit, k, sys + users);
    },
    thinkTimeMs: (k) => think(prng(deriveSeed(seqSeed, `think:${k}`))),
  };
}

// Messages for turn k: system, then the earlier exchanges, then this turn's user message.
// `knownTokens` is the token count of the system and user messages; replies are counted here.
function build(
  w: Workload,
  tok: Tokenizer,
  system: string | undefined,
  earlierUsers: readonly string[],
  replies: readonly string[],
  user: string,
  maxTokens: number,
  k: number,
  knownTokens: number,
): RequestSpec {
  const messages: ChatMessage[] = [];
  if (system) messages.push({ role: 'system', content: system });
  for (let j = 0; j < k; j++) {
    messages.push({ role: 'user', content: earlierUsers[j]! });
    messages.push({ role: 'assistant', content: replies[j] ?? '' });
  }
  messages.push({ role: 'user', content: user });
  let counted = knownTokens;
  for (let j = 0; j < k; j++) counted += tok.count(replies[j] ?? '');
  // Turn numbers count from 1, as users do ("turn 1 = the first message"), in every output.
  return {
    workload: w.name,
    turn: k + 1,
    messages,
    maxTokens,
    tokenLimitField: w.tokenLimitField,
    stream: w.stream,
    encoding: w.encoding,
    inputTokensCounted: counted,
  };
}

function single(w: Workload, spec: RequestSpec): Conversation {
  return { workload: w.name, turns: 1, turn: () => spec, thinkTimeMs: () => 0 };
}

/** requestSource is a single-turn view of a workload: the first turn of conversation `seq`. */
export function requestSource(w: Workload, scenarioSeed: number): { at(seq: number): RequestSpec } {
  const src = workloadSource(w, scenarioSeed);
  return { at: (seq) => src.at(seq).turn(0, []) };
}

/** traceSource serves a trace's requests: literal messages, or a synthetic prompt of the recorded size. */
export function traceSource(
  entries: readonly TraceEntry[],
  w: Workload,
  scenarioSeed: number,
): { at(seq: number): RequestSpec; readonly length: number } {
  const tok = tokenizer(w.encoding);
  const synth = promptSynthesizer(tok);
  const base = deriveSeed(scenarioSeed, `trace:${w.name}`);
  const defaultMax = (seq: number) => tokenDraw(sampler(w.maxTokens, prng(deriveSeed(base, `max:${seq}`)))());
  return {
    length: entries.length,
    at(seq) {
      const e = entries[seq % entries.length]!;
      const maxTokens = e.maxTokens ?? defaultMax(seq);
      const messages: ChatMessage[] = e.messages
        ? e.messages
        : [{ role: 'user', content: synth.text(e.inputTokens!, prng(deriveSeed(base, String(seq)))) }];
      const counted = e.messages ? e.messages.reduce((n, m) => n + tok.count(m.content), 0) : e.inputTokens!;
      return {
        workload: w.name,
        turn: 1,
        messages,
        maxTokens,
        tokenLimitField: w.tokenLimitField,
        stream: w.stream,
        encoding: w.encoding,
        inputTokensCounted: counted,
      };
    },
  };
}

// A token count drawn from a distribution: a whole number from 1 to MAX_TOKENS_PER_REQUEST (a long
// tail must not allocate a prompt nobody could send).
function tokenDraw(x: number): number {
  return Math.min(MAX_TOKENS_PER_REQUEST, Math.max(1, Math.round(x)));
}
