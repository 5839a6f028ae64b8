import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { applyEarlyFault, json, messageText, planTokens, scheduler, withSlot, type Ctx } from './serving.js';
import { breakStream, breaksAt } from './faults.js';
import { MAX_TOKENS_PER_REQUEST } from '../scenario/schema.js';

/** anthropicError is Anthropic's error envelope. */
export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

/**
 * anthropicMessages serves POST /v1/messages the way Anthropic's Messages API does: it checks the
 * anthropic-version header and the required max_tokens, takes the system prompt from a top-level
 * field, and streams typed events (message_start with input usage, content_block_start, ping,
 * content_block_delta, content_block_stop, message_delta with output usage, message_stop), with a
 * thinking block before the text when the profile sets reasoning tokens.
 */
export function anthropicMessages(ctx: Ctx, raw: string, req: IncomingMessage, res: ServerResponse): void {
  if (!req.headers['anthropic-version'])
    return json(res, 400, anthropicError('invalid_request_error', 'anthropic-version: header is required'));
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return json(res, 400, anthropicError('invalid_request_error', 'request body is not valid JSON'));
  }
  if (typeof body.model !== 'string') return json(res, 400, anthropicError('invalid_request_error', 'model: Field required'));
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1)
    return json(res, 400, anthropicError('invalid_request_error', 'max_tokens: Field required'));
  if ((body.max_tokens as number) > MAX_TOKENS_PER_REQUEST)
    return json(
      res,
      400,
      anthropicError(
        'invalid_request_error',
        `max_tokens: ${body.max_tokens as number} > ${MAX_TOKENS_PER_REQUEST}, which is the maximum allowed number of output tokens`,
      ),
    );
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return json(res, 400, anthropicError('invalid_request_error', 'messages: Field required'));
  let inputTokens = typeof body.system === 'string' ? ctx.tok.count(body.system) : 0;
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    const role = (m as { role?: unknown })?.role;
    if (role !== 'user' && role !== 'assistant')
      return json(res, 400, anthropicError('invalid_request_error', `messages.${i}.role: Input should be 'user' or 'assistant'`));
    inputTokens += ctx.tok.count(messageText((m as { content?: unknown }).content));
  }
  ctx.completions++;
  const fault = ctx.faults.at(performance.now());
  if (applyEarlyFault(ctx, res, fault, 'anthropic')) return;
  const model = body.model;
  const stream = body.stream === true;
  const maxTokens = body.max_tokens as number;
  withSlot(ctx, res, () => {
    const plan = planTokens(ctx, maxTokens, fault?.kind === 'slow' ? fault.extraTtftMs : 0);
    const id = `msg_mock${plan.seq.toString(36)}`;
    const total = plan.reasoning + plan.content;
    const stopReason = plan.natural ? 'end_turn' : 'max_tokens';
    const sched = scheduler(res);
    if (!stream) {
      sched.at(plan.dueAt(total - 1), () => {
        if (fault && breaksAt(fault, fault.afterTokens))
          return fault.kind === 'malformed' ? void res.end('{"content": [unterminated') : breakStream(res, fault);
        let thinking = '';
        let text = '';
        for (let k = 0; k < total; k++) k < plan.reasoning ? (thinking += plan.text(k)) : (text += plan.text(k));
        const content = [...(plan.reasoning ? [{ type: 'thinking', thinking, signature: 'mock-signature' }] : []), { type: 'text', text }];
        json(res, 200, {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content,
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: total },
        });
      });
      return;
    }
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    sched.at(plan.headersAt, () => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': id });
      send('message_start', {
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: 1 },
        },
      });
      let block = 0;
      const open = (type: 'thinking' | 'text') => {
        send('content_block_start', {
          type: 'content_block_start',
          index: block,
          content_block: type === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '' },
        });
        if (block === 0) send('ping', { type: 'ping' });
      };
      const close = () => send('content_block_stop', { type: 'content_block_stop', index: block++ });
      open(plan.reasoning ? 'thinking' : 'text');
      let k = 0;
      const next = () => {
        if (breaksAt(fault, k)) return breakStream(res, fault);
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
            delta: { type: 'signature_delta', signature: 'mock-signature' },
          });
          close();
          open('text');
        }
        if (k < total) return sched.at(plan.dueAt(k), next);
        close();
        send('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: total },
        });
        send('message_stop', { type: 'message_stop' });
        res.end();
      };
      sched.at(plan.dueAt(0), next);
    });
  });
}
