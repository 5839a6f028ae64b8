import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { breakStream, breaksAt, type ActiveFault } from './faults.js';
import { MAX_TOKENS_PER_REQUEST } from '../scenario/schema.js';
import { chunk, completion, errorBody, usageChunk, type Usage } from './openai-shapes.js';
import { applyEarlyFault, json, messageText, planTokens, scheduler, unixNow, withSlot, type Ctx } from './serving.js';
import { liveWire, type ChunkWire, type StreamFacts } from './openai-live-shapes.js';

/** ChatRequest is what the mock reads from a chat completion request. */
export interface ChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number;
  promptTokens: number;
}

/**
 * parseChatRequest checks a request body the way the OpenAI API does, returning an error message or the request;
 * `defaultModel` stands in for a body without one (Azure's deployment URL names the model).
 */
export function parseChatRequest(ctx: Ctx, raw: string, defaultModel?: string): ChatRequest | { error: string; param: string | null } {
  let body: Record<string, unknown>;
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'The request body must be a JSON object.', param: null };
    body = v as Record<string, unknown>;
  } catch {
    return { error: 'We could not parse the JSON body of your request.', param: null };
  }
  if (defaultModel !== undefined && body.model === undefined) body.model = defaultModel;
  if (typeof body.model !== 'string' || body.model === '') return { error: "Missing required parameter: 'model'.", param: 'model' };
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return { error: "Missing required parameter: 'messages'.", param: 'messages' };
  let promptTokens = 0;
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string')
      return { error: `Invalid value for 'messages[${i}].role'.`, param: `messages[${i}].role` };
    promptTokens += ctx.tok.count(messageText((m as { content?: unknown }).content));
  }
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || (limit as number) < 1))
    return {
      error: `Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got ${JSON.stringify(limit)} instead.`,
      param: 'max_tokens',
    };
  // Like a real model's output limit: a mock never plans a reply it could not send.
  if (typeof limit === 'number' && limit > MAX_TOKENS_PER_REQUEST)
    return {
      error: `max_tokens is too large: ${limit}. This model supports at most ${MAX_TOKENS_PER_REQUEST} completion tokens.`,
      param: 'max_tokens',
    };
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined | null;
  if (streamOptions && !body.stream)
    return { error: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: 'stream_options' };
  return {
    model: body.model,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    maxTokens: typeof limit === 'number' ? limit : ctx.defaultMaxTokens,
    promptTokens,
  };
}

/**
 * chatCompletion serves POST /v1/chat/completions the way OpenAI does: validates the body, applies faults, and streams
 * chat.completion.chunk events (or one chat.completion) on the latency plan.
 */
export function chatCompletion(ctx: Ctx, raw: string, res: ServerResponse): void {
  const parsed = parseChatRequest(ctx, raw);
  if ('error' in parsed) return json(res, 400, errorBody(parsed.error, 'invalid_request_error', null, parsed.param));
  ctx.completions++;
  const fault = ctx.faults.at(performance.now());
  if (applyEarlyFault(ctx, res, fault, 'openai')) return;
  withSlot(ctx, res, () => respond(ctx, parsed, res, fault));
}

function respond(ctx: Ctx, parsed: ChatRequest, res: ServerResponse, fault: ActiveFault | null): void {
  const plan = planTokens(ctx, parsed.maxTokens, fault?.kind === 'slow' ? fault.extraTtftMs : 0);
  const id = `chatcmpl-mock${plan.seq.toString(36)}`;
  const created = unixNow();
  const total = plan.reasoning + plan.content;
  const usage: Usage = { prompt_tokens: parsed.promptTokens, completion_tokens: total, total_tokens: parsed.promptTokens + total };
  const cached = Math.min(ctx.quirks.cachedPromptTokens, parsed.promptTokens);
  if (cached > 0) usage.prompt_tokens_details = { cached_tokens: cached };
  const finishReason = plan.natural ? 'stop' : 'length';
  const sched = scheduler(res);
  const q = ctx.quirks;

  if (!parsed.stream) {
    sched.at(plan.dueAt(total - 1), () => {
      if (fault && breaksAt(fault, fault.afterTokens))
        return fault.kind === 'malformed' ? void res.end('{"choices": [unterminated') : breakStream(res, fault);
      let text = '';
      for (let k = plan.reasoning; k < total; k++) text += plan.text(k);
      const body = completion(id, created, parsed.model, text, finishReason, usage);
      if (q.usage === 'none') delete (body as { usage?: unknown }).usage;
      json(res, 200, body);
    });
    return;
  }

  const facts: StreamFacts = {
    id,
    created,
    model: parsed.model,
    promptTokens: usage.prompt_tokens,
    cachedTokens: cached,
    reasoningTokens: plan.reasoning,
    completionTokens: total,
  };
  const wire =
    q.shape === 'openai' || q.shape === 'gemini' || q.shape === 'deepseek' ? liveWire(q.shape, facts) : plainWire(q, facts, usage);
  const send = (text: string | null) => text !== null && res.write(text);
  sched.at(plan.headersAt, () => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': id });
    send(wire.role());
    let k = 0;
    const next = () => {
      if (breaksAt(fault, k)) return breakStream(res, fault);
      send(wire.token(k, plan.text(k), k < plan.reasoning));
      k++;
      if (k < total) return sched.at(plan.dueAt(k), next);
      send(wire.finish(finishReason));
      if (parsed.includeUsage) send(wire.usage());
      res.end('data: [DONE]\n\n');
    };
    sched.at(plan.dueAt(0), next);
  });
}

/**
 * plainWire writes the mock's own shape, with the quirks a profile sets. Usage: OpenAI sends one
 * usage chunk at the end when asked (include_usage); Gemini's OpenAI endpoint puts cumulative usage
 * on every chunk; some servers never send usage. Like OpenAI, the first chunk carries the role and
 * empty content, before any token.
 */
function plainWire(q: Ctx['quirks'], f: StreamFacts, usage: Usage): ChunkWire {
  const { id, created, model, promptTokens } = f;
  const sse = (c: ReturnType<typeof chunk>, sent: number) =>
    `data: ${JSON.stringify(
      q.usage === 'every-chunk'
        ? { ...c, usage: { prompt_tokens: promptTokens, completion_tokens: sent, total_tokens: promptTokens + sent } }
        : c,
    )}\n\n`;
  return {
    role: () => (q.roleChunk ? sse(chunk(id, created, model, { role: 'assistant', content: '' }, null), 0) : null),
    token: (k, text, reasoning) =>
      sse(chunk(id, created, model, reasoning ? { reasoning_content: text } : { content: text }, null), k + 1) +
      (q.emptyChunks ? sse(chunk(id, created, model, { content: '' }, null), k + 1) : ''),
    finish: (reason) => sse(chunk(id, created, model, {}, reason), f.completionTokens),
    usage: () => (q.usage === 'final-chunk' ? `data: ${JSON.stringify(usageChunk(id, created, model, usage))}\n\n` : null),
  };
}
