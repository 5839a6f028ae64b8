/**
 * The OpenAI wire shapes the mock emits. Kept beside each other so the mock's output can be read
 * against the public API reference (chat.completion, chat.completion.chunk, error, model list).
 */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt-cache hits, when the profile reports some (quirks.cachedPromptTokens). */
  prompt_tokens_details?: { cached_tokens: number };
}

/** errorBody is OpenAI's error envelope. */
export function errorBody(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** chunk builds one chat.completion.chunk. */
export function chunk(
  id: string,
  created: number,
  model: string,
  delta: { role?: 'assistant'; content?: string; reasoning_content?: string },
  finishReason: string | null,
) {
  return {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: 'fp_bakeoff_mock',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** usageChunk is the extra final chunk sent when stream_options.include_usage is set: empty choices, usage filled. */
export function usageChunk(id: string, created: number, model: string, usage: Usage) {
  return { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_bakeoff_mock', choices: [], usage };
}

/** completion builds a non-streamed chat.completion. */
export function completion(id: string, created: number, model: string, content: string, finishReason: string, usage: Usage) {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    system_fingerprint: 'fp_bakeoff_mock',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}

/** modelList is the GET /v1/models response. */
export function modelList(ids: readonly string[], created: number) {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'llm-bakeoff-mock' })) };
}
