import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { MAX_TOKENS_PER_REQUEST } from '../scenario/schema.js';
import { bedrockError, eventFrame, exceptionFrame, padding } from './bedrock-wire.js';
import { breakStream, breaksAt, type ActiveFault } from './faults.js';
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

// Bedrock's Converse API (and ConverseStream), as its API reference documents them and as its streams arrive: the same
// request for every model, and a stream of typed events with the usage and the server's latency in a last metadata event.

/**
 * converse serves Converse (`stream` false: one JSON response when the last token is due) or ConverseStream
 * (event-stream frames: messageStart, contentBlockDelta per token, contentBlockStop, messageStop, metadata).
 * `arrivedAt` is the request's arrival, which the reported latencyMs counts from.
 */
export function converse(ctx: Ctx, stream: boolean, raw: string, res: ServerResponse, arrivedAt: number): void {
  const asked = readConverse(ctx, raw);
  if (typeof asked === 'string') return bedrockError(res, 400, 'ValidationException', asked);
  ctx.completions++;
  const fault = ctx.faults.at(performance.now());
  if (applyEarlyFault(ctx, res, fault, 'bedrock')) return;
  withSlot(ctx, res, () => {
    const plan = planTokens(ctx, asked.maxTokens, fault?.kind === 'slow' ? fault.extraTtftMs : 0);
    const cached = Math.min(ctx.quirks.cachedPromptTokens, asked.inputTokens);
    const reply: Reply = {
      plan,
      total: plan.reasoning + plan.content,
      fault,
      sched: scheduler(res),
      arrivedAt,
      usage: usage(asked.inputTokens, cached, plan.reasoning + plan.content, ctx.quirks.cachedPromptTokens > 0),
      stopReason: plan.natural ? 'end_turn' : 'max_tokens',
    };
    if (stream) streamReply(reply, res);
    else wholeReply(reply, res);
  });
}

// A request's token limit and its prompt's size, or the message of Bedrock's ValidationException.
function readConverse(ctx: Ctx, raw: string): { maxTokens: number; inputTokens: number } | string {
  const malformed = 'Malformed input request, please reformat your input and try again.';
  let body: { messages?: unknown; system?: unknown; inferenceConfig?: { maxTokens?: unknown } };
  try {
    body = JSON.parse(raw) as typeof body;
  } catch {
    return malformed;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return malformed;
  // Bedrock's front end words a schema violation this way (its members counted from 1).
  const violation = (value: unknown, at: string, rule: string) =>
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${at}' ` +
    `failed to satisfy constraint: ${rule}`;
  const { messages, system, inferenceConfig } = body;
  if (!Array.isArray(messages)) return violation(undefined, 'messages', 'Member must not be null');
  if (system !== undefined && !Array.isArray(system)) return malformed;
  let inputTokens = system === undefined ? 0 : ctx.tok.count(messageText(system));
  for (const [i, m] of messages.entries()) {
    const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
    if (role !== 'user' && role !== 'assistant')
      return violation(role, `messages.${i + 1}.member.role`, 'Member must satisfy enum value set: [user, assistant]');
    if (!Array.isArray(content)) return violation(undefined, `messages.${i + 1}.member.content`, 'Member must not be null');
    inputTokens += ctx.tok.count(messageText(content));
  }
  if ((messages[0] as { role?: unknown } | undefined)?.role !== 'user')
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  const limit = inferenceConfig?.maxTokens;
  if (limit === undefined) return { maxTokens: ctx.defaultMaxTokens, inputTokens };
  if (!Number.isInteger(limit) || (limit as number) < 1)
    return violation(limit, 'inferenceConfig.maxTokens', 'Member must have value greater than or equal to 1');
  if ((limit as number) > MAX_TOKENS_PER_REQUEST)
    return (
      `The maximum tokens you requested exceeds the model limit of ${MAX_TOKENS_PER_REQUEST}. ` +
      `Try again with a maximum tokens value that is lower than ${MAX_TOKENS_PER_REQUEST}.`
    );
  return { maxTokens: limit as number, inputTokens };
}

// Bedrock's TokenUsage: inputTokens are the prompt's uncached tokens; cache reads and writes are counted apart, and the
// total is all of them with the output.
function usage(prompt: number, cached: number, output: number, caching: boolean): Record<string, number> {
  const input = prompt - cached;
  const counts = { inputTokens: input, outputTokens: output, totalTokens: input + cached + output };
  return caching ? { ...counts, cacheReadInputTokens: cached, cacheWriteInputTokens: 0 } : counts;
}

// One reply being made: its token plan, the fault that may break it, and its usage.
interface Reply {
  plan: TokenPlan;
  total: number;
  fault: ActiveFault | null;
  sched: Scheduler;
  arrivedAt: number;
  usage: Record<string, number>;
  stopReason: 'end_turn' | 'max_tokens';
}

// A reasoning block's signature, sent whole in one delta after its text.
const SIGNATURE = 'bW9jay1yZWFzb25pbmctc2lnbmF0dXJl';

// The stream: reasoning deltas in block 0 closed by their signature, then the text in the next block; no
// contentBlockStart for text (Bedrock sends one only for tool use). Every payload is written as text: per token, one
// JSON.stringify of the token and one frame.
function streamReply(x: Reply, res: ServerResponse): void {
  const { plan, fault, sched, total } = x;
  let n = 0; // events sent, which vary the padding
  const send = (event: string, fields: string) => res.write(eventFrame(event, `{${fields},"p":"${padding(n++)}"}`));
  sched.at(plan.headersAt, () => {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    send('messageStart', '"role":"assistant"');
    const textBlock = plan.reasoning > 0 ? 1 : 0;
    let k = 0;
    const next = () => {
      if (breaksAt(fault, k)) return breakEventStream(res, fault);
      const token = JSON.stringify(plan.text(k));
      if (k < plan.reasoning) send('contentBlockDelta', `"contentBlockIndex":0,"delta":{"reasoningContent":{"text":${token}}}`);
      else send('contentBlockDelta', `"contentBlockIndex":${textBlock},"delta":{"text":${token}}`);
      k++;
      if (k === plan.reasoning && k < total) {
        send('contentBlockDelta', `"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"${SIGNATURE}"}}`);
        send('contentBlockStop', '"contentBlockIndex":0');
      }
      if (k < total) return sched.at(plan.dueAt(k), next);
      const latencyMs = Math.round(performance.now() - x.arrivedAt);
      send('contentBlockStop', `"contentBlockIndex":${textBlock}`);
      send('messageStop', `"stopReason":"${x.stopReason}"`);
      send('metadata', `"usage":${JSON.stringify(x.usage)},"metrics":{"latencyMs":${latencyMs}}`);
      res.end();
    };
    sched.at(plan.dueAt(0), next);
  });
}

// Converse: one response when the last token is due.
function wholeReply(x: Reply, res: ServerResponse): void {
  const { plan, fault } = x;
  x.sched.at(plan.dueAt(x.total - 1), () => {
    if (fault && breaksAt(fault, fault.afterTokens))
      return fault.kind === 'malformed' ? void res.end('{"output": {"message": unterminated') : breakStream(res, fault);
    let reasoning = '';
    let text = '';
    for (let k = 0; k < x.total; k++) k < plan.reasoning ? (reasoning += plan.text(k)) : (text += plan.text(k));
    const content = [
      ...(plan.reasoning ? [{ reasoningContent: { reasoningText: { text: reasoning, signature: SIGNATURE } } }] : []),
      { text },
    ];
    json(res, 200, {
      output: { message: { role: 'assistant', content } },
      stopReason: x.stopReason,
      usage: x.usage,
      metrics: { latencyMs: Math.round(performance.now() - x.arrivedAt) },
    });
  });
}

/**
 * breakEventStream applies a mid-stream fault to an event stream: a stall or a reset as on any stream; `malformed`,
 * the way Bedrock reports a failure after its 200: a modelStreamErrorException frame, then the end.
 */
export function breakEventStream(res: ServerResponse, f: ActiveFault): void {
  if (f.kind !== 'malformed') return breakStream(res, f);
  res.end(exceptionFrame('modelStreamErrorException', 'The model encountered an error while streaming its response.'));
}
