import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** StubServer is a tiny HTTP server on 127.0.0.1, ephemeral port, for scripting misbehaving providers. */
export interface StubServer {
  readonly port: number;
  /** API root ending in /v1, like a target's baseUrl. */
  readonly baseUrl: string;
  /** Request headers of every request received, in order. */
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

export type StubHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * startStubServer listens on 127.0.0.1:0 and hands each request (body read in full) to `handler`.
 * close() destroys open sockets first, so a stalled response never holds the test up.
 */
export async function startStubServer(handler: StubHandler): Promise<StubServer> {
  const sockets = new Set<Socket>();
  const requests: StubServer['requests'] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** sseHeaders starts a 200 event-stream response. */
export function sseHeaders(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

/** sseData writes one `data:` event. */
export function sseData(res: ServerResponse, data: unknown): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** contentChunk is a minimal chat.completion.chunk carrying `content` (and optionally a finish reason). */
export function contentChunk(content: string | undefined, finishReason: string | null = null, role?: 'assistant') {
  const delta: Record<string, string> = {};
  if (role) delta.role = role;
  if (content !== undefined) delta.content = content;
  return {
    id: 'chatcmpl-stub',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'stub',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** jsonError writes an OpenAI-shaped error response. */
export function jsonError(
  res: ServerResponse,
  status: number,
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): void {
  const text = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * streamCompletion writes a well-formed streamed completion: role chunk, one chunk per token,
 * the finish chunk, a usage chunk (unless `usage` is false) and [DONE].
 */
export function streamCompletion(
  res: ServerResponse,
  tokens: readonly string[],
  opts: { usage?: boolean; promptTokens?: number } = {},
): void {
  sseHeaders(res);
  sseData(res, contentChunk('', null, 'assistant'));
  for (const t of tokens) sseData(res, contentChunk(t));
  sseData(res, contentChunk(undefined, 'stop'));
  if (opts.usage !== false) {
    const prompt = opts.promptTokens ?? 1;
    sseData(res, {
      id: 'chatcmpl-stub',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'stub',
      choices: [],
      usage: { prompt_tokens: prompt, completion_tokens: tokens.length, total_tokens: prompt + tokens.length },
    });
  }
  res.end('data: [DONE]\n\n');
}

/**
 * REFUSED_BASE_URL is an API root nothing listens on: port 1, outside the ephemeral range. (A port
 * a test closed a moment ago is not safe: another test may bind it, and a connect to an
 * ephemeral-range port can even meet itself — TCP self-connect — instead of being refused.)
 */
export const REFUSED_BASE_URL = 'http://127.0.0.1:1/v1';
