import type { ChatMessage } from '../workload/chat-message.js';
import { errorText } from './anthropic-messages.js';
import { oneLine } from './error-kind.js';
import { notJsonStep, type ProtocolAdapter, type StreamState, type StreamStep, type TokenUsage } from './protocol.js';
import type { SseEvent } from './sse.js';

/**
 * bedrockConverse speaks Amazon Bedrock's Converse API, one protocol for every model Bedrock serves: POST
 * /model/{modelId}/converse-stream, whose reply is binary eventstream frames (read by eventstream.ts as events named by
 * their :event-type): messageStart, contentBlockStart, contentBlockDelta (delta.text: content; delta.reasoningContent.text:
 * reasoning), contentBlockStop, messageStop (stopReason), metadata (usage, and the server's own metrics.latencyMs); an
 * exception frame arrives as an `error` event. Not streamed: POST …/converse, one JSON reply. The model is in the path,
 * never in the body; the system prompt is a list of text blocks, the token limit inferenceConfig.maxTokens.
 */
export const bedrockConverse: ProtocolAdapter = {
  name: 'bedrock-converse',
  path: '/converse-stream',
  completionPath: '/converse',
  framing: 'eventstream',

  buildBody({ messages, maxTokens, extra }) {
    const system = messages.filter((m) => m.role === 'system').map((m) => ({ text: m.content }));
    const body: Record<string, unknown> = {
      messages: messages
        .filter((m): m is ChatMessage & { role: 'user' | 'assistant' } => m.role !== 'system')
        .map((m) => ({ role: m.role, content: [{ text: m.content }] })),
    };
    if (system.length) body.system = system;
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) delete body[k];
      else body[k] = v;
    }
    // The scenario's inferenceConfig (temperature, topP, stopSequences) is kept; the token limit is the call's.
    const config = typeof body.inferenceConfig === 'object' && body.inferenceConfig !== null ? body.inferenceConfig : {};
    body.inferenceConfig = { ...config, maxTokens };
    return body;
  },

  onEvent(ev: SseEvent, state: StreamState): StreamStep {
    let obj: ConverseEvent;
    try {
      obj = JSON.parse(ev.data) as ConverseEvent;
    } catch {
      return notJsonStep(ev.data, oneLine(ev.data, 80));
    }
    switch (ev.event) {
      case 'contentBlockDelta': {
        const d = obj.delta;
        if (typeof d?.text === 'string') return d.text.length > 0 ? { type: 'content', text: d.text } : { type: 'none' };
        const r = d?.reasoningContent?.text;
        return typeof r === 'string' && r.length > 0 ? { type: 'reasoning', text: r } : { type: 'none' };
      }
      case 'messageStop':
        state.finishReason = obj.stopReason ?? '';
        return { type: 'done' };
      case 'metadata':
        readMetadata(obj, state);
        return { type: 'none' };
      case 'error':
        return { type: 'error', kind: 'stream_error', message: oneLine(errorText(obj.error)) };
      default:
        return { type: 'none' }; // messageStart, contentBlockStart/Stop, future events
    }
  },

  parseCompletion(body: unknown, state: StreamState) {
    const obj = body as ConverseReply;
    const content = obj?.output?.message?.content;
    if (!Array.isArray(content))
      return { error: typeof obj?.message === 'string' ? oneLine(obj.message) : 'response has no output message' };
    state.finishReason = obj.stopReason ?? '';
    readMetadata(obj, state);
    return { text: content.map((b) => (typeof b.text === 'string' ? b.text : '')).join('') };
  },

  errorMessage(body: string): string {
    try {
      const obj = JSON.parse(body) as { message?: unknown; Message?: unknown };
      const m = obj.message ?? obj.Message;
      if (typeof m === 'string') return m;
    } catch {
      // not JSON: the raw text
    }
    return body;
  },
};

// Usage and the server's latency, from a metadata event or a Converse reply.
function readMetadata(obj: { usage?: ConverseUsage; metrics?: { latencyMs?: unknown } }, state: StreamState): void {
  const usage = usageOf(obj.usage);
  if (usage) state.usage = usage;
  const latency = obj.metrics?.latencyMs;
  if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0) state.serverLatencyMs = latency;
}

/**
 * usageOf reads Converse's usage. Like Anthropic's, its inputTokens leave out the prompt tokens read from or written to
 * the prompt cache (totalTokens = inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens): the
 * prompt is all three.
 */
export function usageOf(u: ConverseUsage | undefined): TokenUsage | null {
  if (!u || typeof u.inputTokens !== 'number' || typeof u.outputTokens !== 'number') return null;
  const read = u.cacheReadInputTokens ?? 0;
  const write = u.cacheWriteInputTokens ?? 0;
  return {
    inputTokens: u.inputTokens + read + write,
    outputTokens: u.outputTokens,
    ...(read > 0 ? { cachedInputTokens: read } : {}),
    ...(write > 0 ? { cacheWriteInputTokens: write } : {}),
  };
}

interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number | null;
  cacheWriteInputTokens?: number | null;
}

interface ConverseEvent {
  delta?: { text?: unknown; reasoningContent?: { text?: unknown } };
  stopReason?: string;
  usage?: ConverseUsage;
  metrics?: { latencyMs?: unknown };
  error?: unknown;
}

interface ConverseReply {
  output?: { message?: { content?: { text?: unknown }[] } };
  stopReason?: string;
  usage?: ConverseUsage;
  metrics?: { latencyMs?: unknown };
  message?: unknown;
}
