/**
 * The chat.completion.chunk streams of OpenAI-compatible providers as they are served today (the
 * mock's `quirks.shape`), beside the mock's own plain shape in openai-shapes.ts. Each is written
 * as text, keys in the provider's order, because order is what a client's fast path keys on:
 *
 * - openai: `service_tier`, `system_fingerprint`, `"usage":null` *before* `choices` (as captured
 *   from a live stream), `logprobs:null`, an `obfuscation` padding field of varying length on every
 *   chunk, reasoning not streamed, and (with include_usage) a final chunk with `choices: []` and
 *   usage carrying `prompt_tokens_details.cached_tokens` and `completion_tokens_details.reasoning_tokens`.
 * - gemini (its OpenAI-compatible endpoint): `choices` first, cumulative usage on every chunk,
 *   no role chunk, thinking not streamed.
 * - deepseek: `reasoning_content` deltas (with `content:null`) before the content (with
 *   `reasoning_content:null`), and a final usage chunk adding `prompt_cache_hit_tokens` /
 *   `prompt_cache_miss_tokens` to OpenAI's details.
 */

/** LiveShape is an OpenAI-compatible provider whose stream the mock copies. */
export type LiveShape = 'openai' | 'gemini' | 'deepseek';

/** StreamFacts is what one streamed reply reports, whatever its shape. */
export interface StreamFacts {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  /** Prompt tokens reported as cache hits (within promptTokens). */
  cachedTokens: number;
  /** Reasoning tokens within the completion. */
  reasoningTokens: number;
  /** Completion tokens, reasoning included. */
  completionTokens: number;
}

/** ChunkWire writes one reply's chunks as SSE text (one event or more); null: the shape sends nothing at that point. */
export interface ChunkWire {
  /** The role-only first chunk, before any token. */
  role(): string | null;
  /** Token k (0-based) of the reply, its text, and whether it is reasoning. */
  token(k: number, text: string, reasoning: boolean): string | null;
  /** The chunk that carries the finish reason. */
  finish(reason: string): string;
  /** The final usage chunk, sent when the client asked for usage (include_usage). */
  usage(): string | null;
}

const str = JSON.stringify;

// Padding of a varying length (OpenAI pads each chunk so its size does not reveal the token).
const PAD = 'aZ3bY4cX5dW6eV7fU8gT9hS';
const pad = (k: number) => PAD.slice(0, 1 + ((k * 7) % 16));

/** liveWire makes the chunk writer of one provider's live shape. */
export function liveWire(shape: LiveShape, f: StreamFacts): ChunkWire {
  const w = chunksOf(shape, f);
  const sse = (data: string | null) => (data === null ? null : `data: ${data}\n\n`);
  return {
    role: () => sse(w.role()),
    token: (k, text, reasoning) => sse(w.token(k, text, reasoning)),
    finish: (reason) => `data: ${w.finish(reason)}\n\n`,
    usage: () => sse(w.usage()),
  };
}

// The chunks' JSON, one per call, in each provider's key order.
function chunksOf(shape: LiveShape, f: StreamFacts): ChunkWire {
  if (shape === 'gemini') return geminiWire(f);
  const head = `{"id":${str(f.id)},"object":"chat.completion.chunk","created":${f.created},"model":${str(f.model)},`;
  const missed = f.promptTokens - f.cachedTokens;
  const total = f.promptTokens + f.completionTokens;
  if (shape === 'openai') {
    const pre = `${head}"service_tier":"default","system_fingerprint":"fp_8bda4d3a2c","usage":null,"choices":[{"index":0,"delta":`;
    const tail = (reason: string | null, k: number) => `,"logprobs":null,"finish_reason":${str(reason)}}],"obfuscation":"${pad(k)}"}`;
    return {
      role: () => `${pre}{"role":"assistant","content":"","refusal":null}${tail(null, 0)}`,
      token: (k, text, reasoning) => (reasoning ? null : `${pre}{"content":${str(text)}}${tail(null, k + 1)}`),
      finish: (reason) => `${pre}{}${tail(reason, 3)}`,
      usage: () =>
        `${head}"service_tier":"default","system_fingerprint":"fp_8bda4d3a2c","choices":[],"usage":{"prompt_tokens":${f.promptTokens},` +
        `"completion_tokens":${f.completionTokens},"total_tokens":${total},` +
        `"prompt_tokens_details":{"cached_tokens":${f.cachedTokens},"audio_tokens":0},"completion_tokens_details":` +
        `{"reasoning_tokens":${f.reasoningTokens},"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},` +
        `"obfuscation":"${pad(5)}"}`,
    };
  }
  const pre = `${head}"system_fingerprint":"fp_8802369eaa_prod0623_fp8_kvcache","choices":[{"index":0,"delta":`;
  const tail = (reason: string | null) => `,"logprobs":null,"finish_reason":${str(reason)}}]}`;
  return {
    role: () => `${pre}{"role":"assistant","content":null,"reasoning_content":""}${tail(null)}`,
    token: (_k, text, reasoning) =>
      reasoning
        ? `${pre}{"content":null,"reasoning_content":${str(text)}}${tail(null)}`
        : `${pre}{"content":${str(text)},"reasoning_content":null}${tail(null)}`,
    finish: (reason) => `${pre}{"content":"","reasoning_content":null}${tail(reason)}`,
    usage: () =>
      `${head}"system_fingerprint":"fp_8802369eaa_prod0623_fp8_kvcache","choices":[],"usage":{"prompt_tokens":${f.promptTokens},` +
      `"completion_tokens":${f.completionTokens},"total_tokens":${total},"prompt_tokens_details":{"cached_tokens":${f.cachedTokens}},` +
      `"completion_tokens_details":{"reasoning_tokens":${f.reasoningTokens}},` +
      `"prompt_cache_hit_tokens":${f.cachedTokens},"prompt_cache_miss_tokens":${missed}}}`,
  };
}

// Gemini's OpenAI-compatible endpoint: choices first, usage (cumulative) on every chunk, the last
// one with the finish reason; no role-only chunk, no usage chunk of its own.
function geminiWire(f: StreamFacts): ChunkWire {
  let sent = 0;
  const details = f.cachedTokens > 0 ? `,"prompt_tokens_details":{"cached_tokens":${f.cachedTokens}}` : '';
  const chunk = (delta: string, reason: string | null) =>
    `{"choices":[{"delta":${delta},"finish_reason":${str(reason)},"index":0}],"created":${f.created},"id":${str(f.id)},` +
    `"model":${str(f.model)},"object":"chat.completion.chunk","usage":{"completion_tokens":${sent},` +
    `"prompt_tokens":${f.promptTokens},"total_tokens":${f.promptTokens + sent}${details}}}`;
  return {
    role: () => null,
    token: (k, text, reasoning) => {
      sent = k + 1;
      return reasoning ? null : chunk(`{"content":${str(text)},"role":"assistant"}`, null);
    },
    finish: (reason) => {
      sent = f.completionTokens;
      return chunk('{"role":"assistant"}', reason);
    },
    usage: () => null,
  };
}
