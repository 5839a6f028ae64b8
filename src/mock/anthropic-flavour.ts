import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  applyEarlyFault,
  json,
  messageText,
  planTokens,
  scheduler,
  withSlot,
  type Ctx,
  type Scheduler,
  type TokenPlan,
} from './serving.js';
import { breakStream, breaksAt, type ActiveFault, type FaultProtocol } from './faults.js';
import { MAX_TOKENS_PER_REQUEST } from '../scenario/schema.js';

/** anthropicError is Anthropic's error envelope. */
export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

/**
 * AnthropicWire is how a platform carries Anthropic's Messages API: its error shapes, and how it frames the stream's
 * events (Anthropic's own API and Vertex AI: server-sent events; Bedrock: event-stream chunks).
 */
export interface AnthropicWire {
  /** Whose error bodies an early fault answers with. */
  readonly protocol: FaultProtocol;
  /** refuse answers an invalid request with a 400 in the platform's shape. */
  refuse(res: ServerResponse, message: string): void;
  /** head writes a stream's status and headers. */
  head(res: ServerResponse, id: string): void;
  /** send writes one stream event. */
  send(res: ServerResponse, event: string, data: Record<string, unknown>): void;
  /** cut applies a mid-stream fault. */
  cut(res: ServerResponse, fault: ActiveFault): void;
}

/** SSE_WIRE is Anthropic's own: server-sent events, and its error envelope. */
export const SSE_WIRE: AnthropicWire = {
  protocol: 'anthropic',
  refuse: (res, message) => json(res, 400, anthropicError('invalid_request_error', message)),
  head: (res, id) =>
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': id }),
  send: (res, event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
  cut: breakStream,
};

/**
 * AnthropicPlatform is a cloud that serves Claude with the model named in its path, not the body (Vertex AI, Bedrock),
 * the version in the body, not a header.
 */
export interface AnthropicPlatform {
  model: string;
  /** Set when the path, not the body, says whether to stream (Bedrock's invoke and invoke-with-response-stream). */
  stream?: boolean;
  /** Anthropic's own (SSE_WIRE) when left out. */
  wire?: AnthropicWire;
}

/**
 * anthropicMessages serves POST /v1/messages the way Anthropic's Messages API does: it checks the
 * anthropic-version header and the required max_tokens, takes the system prompt from a top-level
 * field, and streams typed events (message_start with input usage, content_block_start, ping,
 * content_block_delta, content_block_stop, message_delta with output usage, message_stop), with a
 * thinking block before the text when the profile sets reasoning tokens. A `platform` serves the same on its path.
 */
export function anthropicMessages(ctx: Ctx, raw: string, req: IncomingMessage, res: ServerResponse, platform?: AnthropicPlatform): void {
  const wire = platform?.wire ?? SSE_WIRE;
  const asked = readRequest(ctx, raw, req, res, wire, platform);
  if (!asked) return;
  ctx.completions++;
  const fault = ctx.faults.at(performance.now());
  if (applyEarlyFault(ctx, res, fault, wire.protocol)) return;
  withSlot(ctx, res, () => {
    const plan = planTokens(ctx, asked.maxTokens, fault?.kind === 'slow' ? fault.extraTtftMs : 0);
    const reply: Reply = {
      ...asked,
      id: `msg_mock${plan.seq.toString(36)}`,
      plan,
      total: plan.reasoning + plan.content,
      stopReason: plan.natural ? 'end_turn' : 'max_tokens',
      fault,
      sched: scheduler(res),
      cached: Math.min(ctx.quirks.cachedPromptTokens, asked.inputTokens),
      live: ctx.quirks.shape === 'anthropic',
      wire,
    };
    if (asked.stream) streamReply(reply, res);
    else wholeReply(reply, res);
  });
}

// What a valid request asks for; the checks answer an invalid one with Anthropic's 400 and yield null.
interface Asked {
  model: string;
  stream: boolean;
  maxTokens: number;
  inputTokens: number;
}

// Claude on a platform (Vertex, Bedrock: the model its path names) takes the version in the body and no model there.
function readRequest(
  ctx: Ctx,
  raw: string,
  req: IncomingMessage,
  res: ServerResponse,
  wire: AnthropicWire,
  platform?: AnthropicPlatform,
): Asked | null {
  const refuse = (message: string) => {
    wire.refuse(res, message);
    return null;
  };
  if (platform === undefined && !req.headers['anthropic-version']) return refuse('anthropic-version: header is required');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return refuse('request body is not valid JSON');
  }
  if (platform !== undefined) {
    // Vertex and Bedrock require the version in the body. Their documented values are vertex-2023-10-16 and
    // bedrock-2023-05-31; the official SDKs copy their own anthropic-version header there instead, so any version is taken.
    if (typeof body.anthropic_version !== 'string' || !body.anthropic_version) return refuse('anthropic_version: Field required');
    if ('model' in body) return refuse('model: Extra inputs are not permitted');
    body.model = platform.model;
    if (platform.stream !== undefined) body.stream = platform.stream;
  }
  if (typeof body.model !== 'string') return refuse('model: Field required');
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return refuse('max_tokens: Field required');
  if ((body.max_tokens as number) > MAX_TOKENS_PER_REQUEST)
    return refuse(
      `max_tokens: ${body.max_tokens as number} > ${MAX_TOKENS_PER_REQUEST}, which is the maximum allowed number of output tokens`,
    );
  if (!Array.isArray(body.messages) || body.messages.length === 0) return refuse('messages: Field required');
  let inputTokens = typeof body.system === 'string' ? ctx.tok.count(body.system) : 0;
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    const role = (m as { role?: unknown })?.role;
    if (role !== 'user' && role !== 'assistant') return refuse(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    inputTokens += ctx.tok.count(messageText((m as { content?: unknown }).content));
  }
  return { model: body.model, stream: body.stream === true, maxTokens: body.max_tokens as number, inputTokens };
}

// One reply being made: what was asked, its token plan, and the fault that may break it.
interface Reply extends Asked {
  id: string;
  plan: TokenPlan;
  total: number;
  stopReason: 'end_turn' | 'max_tokens';
  fault: ActiveFault | null;
  sched: Scheduler;
  /** Prompt tokens reported as cache reads (apart from input_tokens, as Anthropic counts them). */
  cached: number;
  /** Anthropic's stream as served today (quirks.shape: anthropic): every usage field, a real-length signature. */
  live: boolean;
  wire: AnthropicWire;
}

// The prompt's usage fields: the live shape sends every one (cache writes and their TTL split
// included, service_tier on message_start); the plain one only the cache reads there are.
function promptUsage(x: Reply, start: boolean): Record<string, unknown> {
  const cache = x.cached > 0 || x.live ? { cache_read_input_tokens: x.cached } : {};
  if (!x.live) return { input_tokens: x.inputTokens - x.cached, ...cache };
  return {
    input_tokens: x.inputTokens - x.cached,
    cache_creation_input_tokens: 0,
    ...cache,
    ...(start ? { cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } } : {}),
  };
}

// A thinking block's signature: the live API's is a long base64 string, sent whole in one delta.
const LIVE_SIGNATURE = `Eq${'MBCkgIBhABGAIiQL3j8pY2Ve7xO0m4'.repeat(12)}==`;

// A non-streamed reply: one message, at the time its last token is due.
function wholeReply(x: Reply, res: ServerResponse): void {
  const { plan, fault } = x;
  x.sched.at(plan.dueAt(x.total - 1), () => {
    if (fault && breaksAt(fault, fault.afterTokens))
      return fault.kind === 'malformed' ? void res.end('{"content": [unterminated') : x.wire.cut(res, fault);
    let thinking = '';
    let text = '';
    for (let k = 0; k < x.total; k++) k < plan.reasoning ? (thinking += plan.text(k)) : (text += plan.text(k));
    const content = [...(plan.reasoning ? [{ type: 'thinking', thinking, signature: 'mock-signature' }] : []), { type: 'text', text }];
    json(res, 200, {
      id: x.id,
      type: 'message',
      role: 'assistant',
      model: x.model,
      content,
      stop_reason: x.stopReason,
      stop_sequence: null,
      usage: { ...promptUsage(x, false), output_tokens: x.total },
    });
  });
}

// A streamed reply: typed events, a thinking block (closed by its signature) before the text block.
function streamReply(x: Reply, res: ServerResponse): void {
  const { plan, fault, sched, total, wire } = x;
  const send = (event: string, data: Record<string, unknown>) => wire.send(res, event, data);
  sched.at(plan.headersAt, () => {
    wire.head(res, x.id);
    send('message_start', {
      type: 'message_start',
      message: {
        id: x.id,
        type: 'message',
        role: 'assistant',
        model: x.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...promptUsage(x, true), output_tokens: 1, ...(x.live ? { service_tier: 'standard' } : {}) },
      },
    });
    let block = 0;
    const open = (type: 'thinking' | 'text') => {
      send('content_block_start', {
        type: 'content_block_start',
        index: block,
        content_block:
          type === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', ...(x.live ? { signature: '' } : {}) },
      });
      if (block === 0) send('ping', { type: 'ping' });
    };
    const close = () => send('content_block_stop', { type: 'content_block_stop', index: block++ });
    open(plan.reasoning ? 'thinking' : 'text');
    let k = 0;
    const next = () => {
      if (breaksAt(fault, k)) return wire.cut(res, fault);
      if (k < plan.reasoning)
        send('content_block_delta', {
          type: 'content_block_delta',
          index: block,
          delta: { type: 'thinking_delta', thinking: plan.text(k) },
        });
      else send('content_block_delta', { type: 'content_block_delta', index: block, delta: { type: 'text_delta', text: plan.text(k) } });
      k++;
      if (k === plan.reasoning && k < total) {
        send('content_block_delta', {
          type: 'content_block_delta',
          index: block,
          delta: { type: 'signature_delta', signature: x.live ? LIVE_SIGNATURE : 'mock-signature' },
        });
        close();
        open('text');
      }
      if (k < total) return sched.at(plan.dueAt(k), next);
      close();
      send('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: x.stopReason, stop_sequence: null },
        // The live API repeats the prompt's usage here, cumulative, beside the output.
        usage: x.live ? { ...promptUsage(x, false), output_tokens: total } : { output_tokens: total },
      });
      send('message_stop', { type: 'message_stop' });
      res.end();
    };
    sched.at(plan.dueAt(0), next);
  });
}
