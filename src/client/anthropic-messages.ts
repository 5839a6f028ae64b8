import type { ChatMessage } from '../workload/chat-message.js';
import { notJsonStep, type ProtocolAdapter, type StreamState, type StreamStep, type TokenUsage } from './protocol.js';
import type { SseEvent } from './sse.js';
import { oneLine } from './error-kind.js';

/**
 * anthropicMessages speaks Anthropic's native POST /v1/messages. The system prompt travels as a
 * top-level `system` field, not a message; `max_tokens` is required. A stream is a sequence of
 * typed events: message_start (input usage), content_block_start, content_block_delta
 * (text_delta: content; thinking_delta: reasoning), content_block_stop, message_delta (stop
 * reason and output usage), message_stop, plus `ping` keep-alives and `error` events.
 */
export const anthropicMessages: ProtocolAdapter = {
  name: 'anthropic-messages',
  path: '/messages',

  buildBody({ model, messages, maxTokens, stream, extra }) {
    const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
    const body: Record<string, unknown> = {
      model,
      max_tokens: maxTokens,
      messages: messages
        .filter((m): m is ChatMessage & { role: 'user' | 'assistant' } => m.role !== 'system')
        .map((m) => ({ role: m.role, content: m.content })),
      stream,
    };
    if (system.length) body.system = system.join('\n\n');
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) delete body[k];
      else body[k] = v;
    }
    return body;
  },

  onEvent(ev: SseEvent, state: StreamState): StreamStep {
    let obj: AnthropicEvent;
    try {
      obj = JSON.parse(ev.data) as AnthropicEvent;
    } catch {
      return notJsonStep(ev.data, oneLine(ev.data, 80));
    }
    const type = obj?.type ?? ev.event;
    switch (type) {
      case 'message_start': {
        const u = obj.message?.usage;
        if (u && typeof u.input_tokens === 'number') state.usage = anthropicUsage(u, u.output_tokens ?? 0);
        return { type: 'none' };
      }
      case 'content_block_delta': {
        const d = obj.delta;
        if (d?.type === 'text_delta' && typeof d.text === 'string' && d.text.length > 0) return { type: 'content', text: d.text };
        if (d?.type === 'thinking_delta' && typeof d.thinking === 'string' && d.thinking.length > 0)
          return { type: 'reasoning', text: d.thinking };
        return { type: 'none' };
      }
      case 'message_delta': {
        if (obj.delta?.stop_reason) state.finishReason = obj.delta.stop_reason;
        // message_delta's usage is cumulative: replace, never add; but only the fields it carries.
        if (obj.usage && typeof obj.usage.output_tokens === 'number') state.usage = mergedUsage(state.usage, obj.usage);
        return { type: 'none' };
      }
      case 'message_stop': {
        // Claude through Bedrock's InvokeModel: Bedrock appends its own time for the request to the last event.
        const latency = obj['amazon-bedrock-invocationMetrics']?.invocationLatency;
        if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0) state.serverLatencyMs = latency;
        return { type: 'done' };
      }
      case 'error':
        return { type: 'error', kind: 'stream_error', message: oneLine(errorText(obj.error)) };
      default:
        return { type: 'none' }; // ping, content_block_start/stop, unknown future events
    }
  },

  parseCompletion(body: unknown, state: StreamState) {
    const obj = body as AnthropicMessage;
    if (obj?.type === 'error' || obj?.error) return { error: oneLine(errorText(obj.error)) };
    if (!Array.isArray(obj?.content)) return { error: 'response has no content' };
    state.finishReason = obj.stop_reason ?? '';
    if (obj.usage && typeof obj.usage.input_tokens === 'number') state.usage = anthropicUsage(obj.usage, obj.usage.output_tokens ?? 0);
    return {
      text: obj.content
        .filter((b) => b.type === 'text')
        .map((b) => b.text ?? '')
        .join(''),
    };
  },

  errorMessage(body: string): string {
    try {
      const obj = JSON.parse(body) as { error?: unknown };
      if (obj.error) return errorText(obj.error);
    } catch {
      // not JSON: the raw text
    }
    return body;
  },
};

// Anthropic counts cache reads and writes apart from input_tokens; the prompt is all three.
function anthropicUsage(u: AnthropicUsage, outputTokens: number) {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  const cacheWrite1h = Math.min(u.cache_creation?.ephemeral_1h_input_tokens ?? 0, cacheWrite);
  return {
    inputTokens: (u.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens,
    ...(cacheRead > 0 ? { cachedInputTokens: cacheRead } : {}),
    ...(cacheWrite > 0 ? { cacheWriteInputTokens: cacheWrite } : {}),
    ...(cacheWrite1h > 0 ? { cacheWrite1hInputTokens: cacheWrite1h } : {}),
  };
}

/**
 * mergedUsage lays a message_delta's usage over what message_start gave, field by field, as the
 * official SDK's MessageStream does: a gateway's delta may carry input_tokens without the cache
 * fields (or with them null), and that must not wipe message_start's cache reads.
 */
function mergedUsage(prev: TokenUsage | null, u: AnthropicUsage & { output_tokens: number }): TokenUsage {
  const prevRead = prev?.cachedInputTokens ?? 0;
  const prevWrite = prev?.cacheWriteInputTokens ?? 0;
  return anthropicUsage(
    {
      input_tokens: u.input_tokens ?? (prev ? prev.inputTokens - prevRead - prevWrite : 0),
      cache_read_input_tokens: u.cache_read_input_tokens ?? prevRead,
      cache_creation_input_tokens: u.cache_creation_input_tokens ?? prevWrite,
      cache_creation: u.cache_creation ?? { ephemeral_1h_input_tokens: prev?.cacheWrite1hInputTokens ?? 0 },
    },
    u.output_tokens,
  );
}

// A field may be null where a gateway or a newer API version has nothing to report.
interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** Cache writes by TTL (cache_creation_input_tokens is their sum). */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
}

interface AnthropicEvent {
  type?: string;
  message?: { usage?: AnthropicUsage };
  delta?: { type?: string; text?: string; thinking?: string; stop_reason?: string | null };
  usage?: AnthropicUsage & { output_tokens: number };
  error?: unknown;
  'amazon-bedrock-invocationMetrics'?: { invocationLatency?: unknown };
}

interface AnthropicMessage {
  type?: string;
  error?: unknown;
  content?: { type: string; text?: string }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

/**
 * errorText words an error object of Anthropic's shape, { type, message }: "overloaded_error: Overloaded". The eventstream
 * decoder gives Bedrock's exception frames this shape too (eventstream.ts).
 */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object') {
    const { type, message } = e as { type?: unknown; message?: unknown };
    return `${typeof type === 'string' ? `${type}: ` : ''}${typeof message === 'string' ? message : JSON.stringify(e)}`;
  }
  return String(e);
}
