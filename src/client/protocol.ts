import type { SseEvent } from './sse.js';
import type { ChatMessage } from '../workload/chat-message.js';

/** Framing is how a streamed reply's events are framed on the wire. */
export type Framing = 'sse' | 'eventstream';

/** Usage is the token accounting a server reported. */
export interface TokenUsage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the provider's prompt cache (billed at the cached-input price). */
  cachedInputTokens?: number;
  /** Prompt tokens written to the provider's prompt cache (Anthropic; billed at the cache-write price). */
  cacheWriteInputTokens?: number;
  /** The part of cacheWriteInputTokens written with a 1-hour TTL. */
  cacheWrite1hInputTokens?: number;
}

/** StreamStep is what one stream event means for the measurement. */
export type StreamStep =
  | { type: 'content'; text: string }
  /** A reasoning ("thinking") delta, streamed by reasoning models before the content. */
  | { type: 'reasoning'; text: string }
  | { type: 'none' }
  | { type: 'done' }
  | { type: 'error'; kind: 'stream_error' | 'bad_stream'; message: string };

/**
 * notJsonStep is the bad_stream step of an event whose data is not JSON. An empty `data:` line (a
 * heartbeat some gateways send) is named as such: quoting its data would quote nothing.
 */
export function notJsonStep(data: string, quoted: string): StreamStep {
  return { type: 'error', kind: 'bad_stream', message: `stream event is not JSON: ${data === '' ? 'an empty data event' : quoted}` };
}

/**
 * StreamState is a protocol adapter's per-request state: what it learnt from events that are
 * not content (finish reason, usage). Usage is *replaced* by later events, never summed: some
 * providers send cumulative usage on every chunk.
 */
export interface StreamState {
  finishReason: string;
  usage: TokenUsage | null;
  /** The server's own time for the request, when it reports one (Bedrock's metrics.latencyMs), ms. */
  serverLatencyMs: number | null;
}

/**
 * ProtocolAdapter turns a chat request into one wire protocol and that protocol's responses back
 * into measurement steps. openai-chat and anthropic-messages each implement it; the client and
 * the RequestResult are the same whichever protocol a target speaks.
 */
export interface ProtocolAdapter {
  readonly name: string;
  /** Path appended to the target's baseUrl. */
  readonly path: string;
  /** Path of a non-streamed request, where the protocol gives it its own (Bedrock's /converse); default `path`. */
  readonly completionPath?: string;
  /** How a streamed reply is framed: Server-Sent Events (default), or AWS eventstream binary frames (Bedrock). */
  readonly framing?: Framing;
  buildBody(req: {
    model: string;
    messages: readonly ChatMessage[];
    maxTokens: number;
    tokenLimitField: 'max_tokens' | 'max_completion_tokens';
    stream: boolean;
    /** Ask for usage in the stream (OpenAI stream_options), when the endpoint accepts it. */
    streamOptions: boolean;
    extra: Readonly<Record<string, unknown>>;
  }): Record<string, unknown>;
  /** onEvent interprets one SSE event of a streamed response. */
  onEvent(ev: SseEvent, state: StreamState): StreamStep;
  /** parseCompletion interprets a whole non-streamed response body. */
  parseCompletion(body: unknown, state: StreamState): { text: string } | { error: string };
  /** errorMessage extracts a provider's error message from an error body ('' if none). */
  errorMessage(body: string): string;
}
