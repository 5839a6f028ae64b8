import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { anthropicMessages, type AnthropicWire } from './anthropic-flavour.js';
import { breakEventStream, converse } from './bedrock-converse.js';
import { bedrockError, eventFrame, padding } from './bedrock-wire.js';
import type { Ctx } from './serving.js';

/**
 * BedrockOperation is the Bedrock Runtime API a path names: Converse (its streamed form ConverseStream), or InvokeModel
 * (streamed: InvokeModelWithResponseStream), which carries the model's own body: Anthropic's Messages for Claude.
 */
export type BedrockOperation = 'converse-stream' | 'converse' | 'invoke-with-response-stream' | 'invoke';

/** BedrockRoute is what a Bedrock Runtime path names: the operation, and the model id (or ARN) it is asked of. */
export interface BedrockRoute {
  op: BedrockOperation;
  modelId: string;
}

const PATH = /^\/model\/([^/]+)\/(converse-stream|converse|invoke-with-response-stream|invoke)$/;

/**
 * bedrockRoute recognises POST /model/{modelId}/converse-stream, /converse, /invoke-with-response-stream and /invoke.
 * The id arrives percent-encoded (`:` as %3A, an ARN's `/` as %2F), so the path is split before it is decoded.
 */
export function bedrockRoute(url: string): BedrockRoute | null {
  const m = PATH.exec(new URL(url, 'http://mock').pathname.replace(/\/+$/, ''));
  if (!m) return null;
  try {
    return { op: m[2] as BedrockOperation, modelId: decodeURIComponent(m[1]!) };
  } catch {
    return null; // a malformed escape names no model
  }
}

/**
 * bedrockRequest serves a Bedrock Runtime request: like Bedrock, 403 without credentials (a SigV4 signature or a
 * Bedrock API key as a bearer token: their shape is checked, not their secret); then Converse, or Claude's Messages
 * in InvokeModel's event-stream chunks.
 */
export function bedrockRequest(ctx: Ctx, route: BedrockRoute, req: IncomingMessage, raw: string, res: ServerResponse): void {
  const arrivedAt = performance.now();
  if (!authorized(req, res)) return;
  res.setHeader('x-amzn-requestid', randomUUID());
  if (route.op === 'converse' || route.op === 'converse-stream') return converse(ctx, route.op === 'converse-stream', raw, res, arrivedAt);
  anthropicMessages(ctx, raw, req, res, { model: route.modelId, stream: route.op !== 'invoke', wire: invokeWire(arrivedAt) });
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s,]+\/\d{8}\/[^/\s,]+\/[^/\s,]+\/aws4_request, ?SignedHeaders=[a-z0-9;._-]+, ?Signature=[0-9a-f]{64}$/;

// What Bedrock answers a request without credentials (its front end's shape, capital M) or with a garbled signature.
function authorized(req: IncomingMessage, res: ServerResponse): boolean {
  const auth = req.headers.authorization;
  if (!auth) {
    const text = '{"Message":"Authorization header is missing"}';
    res.writeHead(403, {
      'content-type': 'application/json',
      'content-length': String(text.length),
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
    });
    res.end(text);
    return false;
  }
  if (/^Bearer \S/.test(auth)) return true;
  if (SIGV4.test(auth) && (req.headers['x-amz-date'] || req.headers.date)) return true;
  bedrockError(
    res,
    403,
    'IncompleteSignatureException',
    "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters, " +
      "and either an 'X-Amz-Date' or a 'Date' header.",
    {},
    ':http://internal.amazon.com/coral/com.amazon.coral.service/',
  );
  return false;
}

// Claude on Bedrock: Anthropic's events, each base64 in a `chunk` frame's {"bytes"}; Bedrock adds its invocation
// metrics to message_stop. Made per request: it notes the counts and the first token's time as they pass.
function invokeWire(arrivedAt: number): AnthropicWire {
  let k = 0;
  let firstTokenAt = 0;
  let input = 0;
  let cacheRead = 0;
  let output = 0;
  return {
    protocol: 'bedrock',
    refuse: (res, message) => bedrockError(res, 400, 'ValidationException', message),
    head: (res) => res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' }),
    send(res, event, data) {
      if (event === 'message_start') {
        const usage = (data.message as { usage: { input_tokens: number; cache_read_input_tokens?: number } }).usage;
        input = usage.input_tokens;
        cacheRead = usage.cache_read_input_tokens ?? 0;
      } else if (event === 'content_block_delta') {
        if (firstTokenAt === 0) firstTokenAt = performance.now();
      } else if (event === 'message_delta') output = (data.usage as { output_tokens: number }).output_tokens;
      else if (event === 'message_stop') {
        const metrics = {
          inputTokenCount: input,
          outputTokenCount: output,
          invocationLatency: Math.round(performance.now() - arrivedAt),
          firstByteLatency: Math.round(firstTokenAt - arrivedAt),
          ...(cacheRead > 0 ? { cacheReadInputTokenCount: cacheRead, cacheWriteInputTokenCount: 0 } : {}),
        };
        data = { ...data, 'amazon-bedrock-invocationMetrics': metrics };
      }
      const bytes = Buffer.from(JSON.stringify(data)).toString('base64');
      res.write(eventFrame('chunk', `{"bytes":"${bytes}","p":"${padding(k++)}"}`));
    },
    cut: breakEventStream,
  };
}
