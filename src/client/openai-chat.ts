import { notJsonStep, type ProtocolAdapter, type StreamState, type StreamStep, type TokenUsage } from './protocol.js';
import type { SseEvent } from './sse.js';
import { oneLine } from './error-kind.js';

/**
 * openaiChat speaks POST /chat/completions, streamed (SSE of chat.completion.chunk, ended by
 * `data: [DONE]`) or not. Content arrives in choices[0].delta.content; an empty or role-only
 * delta is not a token, so TTFT is anchored on the first non-empty content.
 */
export const openaiChat: ProtocolAdapter = {
  name: 'openai-chat',
  path: '/chat/completions',

  buildBody({ model, messages, maxTokens, tokenLimitField, stream, streamOptions, extra }) {
    const body: Record<string, unknown> = { model, messages, stream, [tokenLimitField]: maxTokens };
    // Ask for usage in the stream, so token counts are the server's own.
    if (stream && streamOptions) body.stream_options = { include_usage: true };
    for (const [k, v] of Object.entries(extra)) {
      // An extra param set to null removes a default (e.g. stream_options for servers that reject it).
      if (v === null) delete body[k];
      else body[k] = v;
    }
    return body;
  },

  onEvent(ev: SseEvent, state: StreamState): StreamStep {
    const data = ev.data;
    if (data === '[DONE]') return { type: 'done' };
    const fast = CONTENT_CHUNK.exec(data);
    if (fast) {
      const raw = fast[1]!;
      if (raw.length === 0) return { type: 'none' };
      return { type: 'content', text: raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw };
    }
    return parseChunk(data, state);
  },

  parseCompletion(body: unknown, state: StreamState) {
    const obj = body as CompletionShape;
    if (obj?.error) return { error: oneLine(errorText(obj.error)) };
    const choice = obj?.choices?.[0];
    if (!choice) return { error: 'response has no choices' };
    state.finishReason = choice.finish_reason ?? '';
    const usage = usageOf(obj.usage);
    if (usage) state.usage = usage;
    const content = choice.message?.content;
    return { text: typeof content === 'string' ? content : '' };
  },

  errorMessage(body: string): string {
    try {
      const obj = JSON.parse(body) as { error?: unknown; message?: unknown };
      if (obj.error) return errorText(obj.error);
      if (typeof obj.message === 'string') return obj.message;
    } catch {
      // not JSON: fall through to the raw text
    }
    return body;
  },
};

// The chunk's JSON strings: a plain one (ids, model names: no escapes), and the content (any escape; captured).
const PLAIN = String.raw`"[^"\\\x00-\x1f]*"`;
const CONTENT = String.raw`"((?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*)"`;

/**
 * CONTENT_CHUNK recognises, whole, the chunk that carries most of a stream: one token of content
 * in the shape OpenAI, vLLM and most compatible servers send it (keys in their order, no usage, no
 * finish, no error; `"usage":null` after `choices` or, as OpenAI's live stream has it, before).
 * Anchored at both ends and matching only JSON tokens, a match is valid JSON with nothing in it
 * but the content — the one thing to take — so it skips a full JSON.parse per
 * token (bench/hot-path.mjs). Any other chunk (first and last ones, usage, errors, reasoning,
 * tool calls, another key order) is parsed in full.
 */
export const CONTENT_CHUNK = new RegExp(
  [
    String.raw`^\{"id":${PLAIN},"object":"chat\.completion\.chunk","created":(?:0|[1-9]\d*),"model":${PLAIN},`,
    `(?:"service_tier":${PLAIN},)?(?:"system_fingerprint":(?:${PLAIN}|null),)?(?:"usage":null,)?`,
    String.raw`"choices":\[\{"index":0,"delta":\{(?:"role":"assistant",)?"content":${CONTENT}\},`,
    String.raw`(?:"logprobs":null,)?"finish_reason":null\}\](?:,"usage":null)?(?:,"obfuscation":${PLAIN})?\}$`,
  ].join(''),
);

/** parseChunk reads one streamed chat.completion.chunk in full: JSON.parse, then every field that matters. */
export function parseChunk(data: string, state: StreamState): StreamStep {
  let obj: ChunkShape;
  try {
    obj = JSON.parse(data) as ChunkShape;
  } catch {
    return notJsonStep(data, oneLine(data, 80));
  }
  if (obj === null || typeof obj !== 'object')
    return { type: 'error', kind: 'bad_stream', message: `stream event is not an object: ${oneLine(data, 80)}` };
  if (obj.error) return { type: 'error', kind: 'stream_error', message: oneLine(errorText(obj.error)) };
  const usage = usageOf(obj.usage);
  if (usage) state.usage = usage;
  const choice = obj.choices?.[0];
  if (choice) {
    if (choice.finish_reason) state.finishReason = choice.finish_reason;
    const text = choice.delta?.content;
    if (typeof text === 'string' && text.length > 0) return { type: 'content', text };
    // Reasoning models on OpenAI-compatible servers (DeepSeek, vLLM) stream their thinking first.
    const thinking = choice.delta?.reasoning_content ?? choice.delta?.reasoning;
    if (typeof thinking === 'string' && thinking.length > 0) return { type: 'reasoning', text: thinking };
  }
  return { type: 'none' };
}

interface ChunkShape {
  error?: unknown;
  usage?: unknown;
  choices?: { delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown }; finish_reason?: string | null }[];
}

interface CompletionShape {
  error?: unknown;
  usage?: unknown;
  choices?: { message?: { content?: unknown }; finish_reason?: string | null }[];
}

function usageOf(u: unknown): TokenUsage | null {
  if (!u || typeof u !== 'object') return null;
  const { prompt_tokens, completion_tokens, prompt_tokens_details, prompt_cache_hit_tokens } = u as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    prompt_tokens_details?: { cached_tokens?: unknown } | null;
    prompt_cache_hit_tokens?: unknown;
  };
  if (typeof prompt_tokens !== 'number' || typeof completion_tokens !== 'number') return null;
  // OpenAI reports prompt-cache hits inside prompt_tokens, as prompt_tokens_details.cached_tokens;
  // DeepSeek as prompt_cache_hit_tokens (beside prompt_cache_miss_tokens; the two add up to prompt_tokens).
  const cached = Math.max(...[prompt_tokens_details?.cached_tokens, prompt_cache_hit_tokens].map((n) => (typeof n === 'number' ? n : 0)));
  return {
    inputTokens: prompt_tokens,
    outputTokens: completion_tokens,
    ...(typeof cached === 'number' && cached > 0 ? { cachedInputTokens: cached } : {}),
  };
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const { message, type, code } = e as { message?: unknown; type?: unknown; code?: unknown };
    const tag = [type, code].filter((x) => typeof x === 'string' && x).join('/');
    return `${tag ? `${tag}: ` : ''}${typeof message === 'string' ? message : JSON.stringify(e)}`;
  }
  return String(e);
}
