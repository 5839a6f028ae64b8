import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, type ChatCall, type ClientDeps, type Endpoint } from '../../src/client/chat-client.js';
import { ERROR_KINDS } from '../../src/scenario/error-kinds.js';
import type { RequestResult } from '../../src/metrics/request-result.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { transport } from '../../src/client/transport.js';
import { chatCall, clientDeps, endpointAt } from '../support/chat-call.js';
import {
  contentChunk,
  jsonError,
  REFUSED_BASE_URL,
  sseData,
  sseHeaders,
  startStubServer,
  streamCompletion,
  type StubServer,
} from '../support/stub-server.js';

// Failure is data: each misbehaving server below must turn into one RequestResult with the right
// errorKind, and hit() must resolve every time. One stub server routes on the first path segment,
// so each case is a baseUrl such as http://127.0.0.1:<port>/http429/v1.

const API_KEY = 'sk-test-5ecret-abc123';
const CONTENT = ['Hello', ' there', ',', ' general', ' Kenobi', '.'];

type Behaviour = (res: ServerResponse, headers: Record<string, string | string[] | undefined>) => void;

const behaviours: Record<string, Behaviour> = {
  ok: (res) => streamCompletion(res, CONTENT),
  http429: (res) =>
    jsonError(res, 429, 'Rate limit reached for requests per min (RPM): Limit 3, Used 3.', 'requests', 'rate_limit_exceeded'),
  http500: (res) => jsonError(res, 500, 'The server had an error while processing your request.', 'server_error'),
  http401: (res) => jsonError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
  // Like OpenAI: the 401 message quotes the key it was given — which must never reach our results.
  echoKey: (res, headers) => {
    const key = String(headers.authorization ?? '').replace(/^Bearer /, '');
    jsonError(
      res,
      401,
      `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      'invalid_api_key',
    );
  },
  streamError: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    sseData(res, contentChunk('Hel'));
    sseData(res, { error: { message: 'The model is overloaded, please retry.', type: 'server_error', param: null, code: null } });
    res.end();
  },
  garbage: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    res.end('data: {this is not json\n\n');
  },
  truncated: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    sseData(res, contentChunk('Hello'));
    res.end(); // no finish_reason, no [DONE]
  },
  stallBeforeToken: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    // …and nothing more: the socket stays open until the stub is closed.
  },
  stallAfterToken: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    sseData(res, contentChunk('Hello'));
  },
  reset: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    sseData(res, contentChunk('Hello'));
    setTimeout(() => res.socket?.destroy(), 20);
  },
  noUsage: (res) => streamCompletion(res, CONTENT, { usage: false }),
  roleOnly: (res) => {
    sseHeaders(res);
    sseData(res, contentChunk('', null, 'assistant'));
    sseData(res, contentChunk(undefined, 'stop'));
    res.end('data: [DONE]\n\n');
  },
  hang: () => undefined,
  resetBeforeHeaders: (res) => {
    res.socket?.destroy();
  },
  jsonErrorBody: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: 'overloaded' },
      }),
    );
  },
  htmlPage: (res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>${'x'.repeat(1200)}</body></html>`);
  },
  gzipBody: (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
    res.end(gzipSync('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'));
  },
  jsonCompletion: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      }),
    );
  },
  empty200: (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end();
  },
  nonStreamGarbage: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('<html>502 Bad Gateway</html>');
  },
  nonStreamError: (res) => {
    const text = JSON.stringify({
      error: { message: 'Content filtered.', type: 'invalid_request_error', param: null, code: 'content_filter' },
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
  },
};

describe('chat client error kinds', () => {
  let stub: StubServer;
  let mock: MockServer;
  let refusedUrl: string;
  let deps: ClientDeps;

  beforeAll(async () => {
    stub = await startStubServer((req, res) => {
      const route = (req.url ?? '').split('/')[1] ?? '';
      const behave = behaviours[route];
      if (behave) behave(res, req.headers);
      else jsonError(res, 404, `no behaviour ${route}`);
    });
    mock = await startMockServer({ profile: { rttMs: 0, ttftMs: 2, itlMs: 1 } });
    refusedUrl = REFUSED_BASE_URL;
    deps = clientDeps({ firstTokenTimeoutMs: 5_000, totalTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await deps?.transport.close();
    await Promise.all([stub?.close(), mock?.close()]);
  });

  const at = (route: string) => `${stub.baseUrl.replace(/\/v1$/, '')}/${route}/v1`;

  /** send makes one call and checks that hit() resolved (a hit never throws). */
  async function send(
    baseUrl: string,
    opts: { deps?: Partial<ClientDeps>; endpoint?: Partial<Endpoint>; call?: Partial<ChatCall> } = {},
  ): Promise<RequestResult> {
    const d = { ...deps, ...opts.deps };
    const hit = chatClient(endpointAt(baseUrl, opts.endpoint), d);
    const [settled] = await Promise.allSettled([hit(chatCall(d, opts.call))]);
    expect(settled.status, 'hit() must resolve, never reject').toBe('fulfilled');
    const r = (settled as PromiseFulfilledResult<RequestResult>).value;
    expect(r.errorKind === null || ERROR_KINDS.includes(r.errorKind)).toBe(true);
    expect(r.endAtMs).toBeGreaterThanOrEqual(r.sentAtMs);
    return r;
  }

  it('succeeds on a well-formed stream (baseline for the cases below)', async () => {
    const r = await send(at('ok'));
    expect(r.errorKind).toBeNull();
    expect(r.errorMessage).toBe('');
    expect(r.status).toBe(200);
    expect(r.contentDeltas).toBe(CONTENT.length);
    expect(r.outputTokens).toBe(CONTENT.length);
    expect(r.tokenSource).toBe('usage');
    expect(r.finishReason).toBe('stop');
  });

  it('connection refused → connect_error', async () => {
    const r = await send(refusedUrl);
    expect(r.errorKind).toBe('connect_error');
    expect(r.status).toBe(0);
    expect(r.headersAtMs).toBeNull();
    expect(r.firstTokenAtMs).toBeNull();
    expect(r.errorMessage).toMatch(/ECONNREFUSED/);
    // It tried to open a connection, and that failed: churn counts it.
    expect(r.connection).toBe('failed');
  });

  it.each([
    ['reset before any response', 'resetBeforeHeaders', 'reset'],
    ['no answer at all (a hang)', 'hang', 'ttft_timeout'],
  ])('a request that opened its connection counts it, answered or not: %s', async (_, route, kind) => {
    const fresh = transport({ connectTimeoutMs: 2_000, connection: 'fresh' });
    try {
      const r = await send(at(route), { deps: { transport: fresh, firstTokenTimeoutMs: 300 } });
      expect(r.errorKind).toBe(kind);
      expect(r.headersAtMs).toBeNull();
      expect(r.connection).toBe('new');
      expect(r.tcpMs).not.toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('HTTP 429 → http_429, with the server message', async () => {
    const r = await send(at('http429'));
    expect(r.errorKind).toBe('http_429');
    expect(r.status).toBe(429);
    expect(r.errorMessage).toContain('Rate limit reached for requests per min');
    expect(r.headersAtMs).not.toBeNull();
    expect(r.firstTokenAtMs).toBeNull();
  });

  it('HTTP 500 → http_5xx', async () => {
    const r = await send(at('http500'));
    expect(r.errorKind).toBe('http_5xx');
    expect(r.status).toBe(500);
    expect(r.errorMessage).toContain('The server had an error');
  });

  it('HTTP 401 → http_4xx', async () => {
    const r = await send(at('http401'));
    expect(r.errorKind).toBe('http_4xx');
    expect(r.status).toBe(401);
    expect(r.errorMessage).toContain('Incorrect API key provided');
  });

  it('the mock rejecting a bad request (400) → http_4xx with its message', async () => {
    const r = await send(mock.baseUrl, { call: { maxTokens: 0 } });
    expect(r.errorKind).toBe('http_4xx');
    expect(r.status).toBe(400);
    expect(r.errorMessage).toMatch(/max_tokens/);
  });

  it('scrubs the API key from an error message that echoes it', async () => {
    const r = await send(at('echoKey'), { endpoint: { headers: { authorization: `Bearer ${API_KEY}` }, secrets: [API_KEY] } });
    expect(stub.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(r.errorKind).toBe('http_4xx');
    expect(r.errorMessage).toContain('Incorrect API key provided: ***');
    expect(r.errorMessage).not.toContain(API_KEY);
    expect(JSON.stringify(r)).not.toContain(API_KEY);
  });

  it('an error object inside a 200 stream → stream_error', async () => {
    const r = await send(at('streamError'));
    expect(r.errorKind).toBe('stream_error');
    expect(r.status).toBe(200);
    expect(r.errorMessage).toContain('The model is overloaded');
  });

  it('a data line that is not JSON → bad_stream', async () => {
    const r = await send(at('garbage'));
    expect(r.errorKind).toBe('bad_stream');
    expect(r.errorMessage).toMatch(/not JSON/);
  });

  it('a stream that ends without finish_reason or [DONE] → stream_cut, saying how far it got', async () => {
    const r = await send(at('truncated'));
    expect(r.errorKind).toBe('stream_cut');
    expect(r.contentDeltas).toBe(1);
    expect(r.errorMessage).toMatch(/^stream ended after 1 delta \(\d+ B\) without finish_reason or \[DONE\]$/);
  });

  it('headers, then silence → ttft_timeout after firstTokenTimeoutMs', async () => {
    const r = await send(at('stallBeforeToken'), { deps: { firstTokenTimeoutMs: 200, totalTimeoutMs: 5_000 } });
    expect(r.errorKind).toBe('ttft_timeout');
    expect(r.status).toBe(200);
    expect(r.headersAtMs).not.toBeNull();
    expect(r.firstTokenAtMs).toBeNull();
    const waited = r.endAtMs - r.sentAtMs;
    expect(waited).toBeGreaterThanOrEqual(195);
    expect(waited).toBeLessThan(2_000);
  });

  it('one token, then silence → total_timeout after totalTimeoutMs', async () => {
    const r = await send(at('stallAfterToken'), { deps: { firstTokenTimeoutMs: 5_000, totalTimeoutMs: 400 } });
    expect(r.errorKind).toBe('total_timeout');
    expect(r.firstTokenAtMs).not.toBeNull();
    expect(r.contentDeltas).toBe(1);
    const waited = r.endAtMs - r.sentAtMs;
    expect(waited).toBeGreaterThanOrEqual(395);
    expect(waited).toBeLessThan(2_500);
  });

  it('the server destroying the socket mid-stream → stream_cut (the response had begun), with the delta count', async () => {
    const r = await send(at('reset'));
    expect(r.errorKind).toBe('stream_cut');
    expect(r.status).toBe(200);
    expect(r.contentDeltas).toBe(1);
    expect(r.errorMessage).toMatch(/^stream cut after 1 delta \(\d+ B\): /);
  });

  it('the connection reset before any response → reset (distinct from a cut stream)', async () => {
    const r = await send(at('resetBeforeHeaders'));
    expect(r.errorKind).toBe('reset');
    expect(r.status).toBe(0);
    expect(r.headersAtMs).toBeNull();
  });

  it.each<[string, string, RegExp]>([
    [
      'a provider JSON error with status 200 (instead of a stream)',
      'jsonErrorBody',
      /^provider error with status 200, \d+ B: server_error\/overloaded: The engine is currently overloaded/,
    ],
    ['an HTML page with status 200', 'htmlPage', /^HTML page, status 200, [\d.]+ (B|KB): "Just a moment\.\.\."$/],
    ['a gzip-encoded body', 'gzipBody', /^gzip-encoded body, status 200, \d+ B \(content-encoding: gzip\)/],
    [
      'a JSON completion where a stream was asked for',
      'jsonCompletion',
      /^a JSON body, not an event stream \(status 200, \d+ B, content-type: application\/json\)/,
    ],
    ['an empty 200', 'empty200', /^stream ended before any event \(status 200, empty body\)$/],
  ])('%s says what arrived', async (_, route, message) => {
    const r = await send(at(route));
    expect(r.status).toBe(200);
    expect(r.errorKind).toBe(route === 'jsonErrorBody' ? 'stream_error' : route === 'empty200' ? 'stream_cut' : 'bad_stream');
    expect(r.errorMessage).toMatch(message);
  });

  it('a stream without usage → tokens counted with the tokenizer', async () => {
    const r = await send(at('noUsage'));
    expect(r.errorKind).toBeNull();
    expect(r.tokenSource).toBe('counted');
    expect(r.outputTokens).toBe(tokenizer('o200k_base').count(CONTENT.join('')));
    expect(r.inputTokens).toBe(3); // the call's inputTokensCounted, kept when the server says nothing
  });

  it('a role chunk then [DONE], no content → empty_response', async () => {
    const r = await send(at('roleOnly'));
    expect(r.errorKind).toBe('empty_response');
    expect(r.firstTokenAtMs).toBeNull();
    expect(r.contentDeltas).toBe(0);
    expect(r.finishReason).toBe('stop');
  });

  it('non-streaming: a body that is not JSON → bad_stream; an error object in a 200 → stream_error', async () => {
    const garbage = await send(at('nonStreamGarbage'), { call: { stream: false } });
    expect(garbage.errorKind).toBe('bad_stream');
    expect(garbage.errorMessage).toContain('502 Bad Gateway');
    const filtered = await send(at('nonStreamError'), { call: { stream: false } });
    expect(filtered.errorKind).toBe('stream_error');
    expect(filtered.errorMessage).toContain('Content filtered.');
  });

  it('non-streaming success on the mock: TTFT ≈ E2E (the first token is seen with the whole body), usage counted', async () => {
    const r = await send(mock.baseUrl, { call: { stream: false, maxTokens: 5 } });
    expect(r.errorKind).toBeNull();
    expect(r.firstTokenAtMs).not.toBeNull();
    expect(r.endAtMs - r.firstTokenAtMs!).toBeGreaterThanOrEqual(0);
    // The first token is dated when the whole body is in: never before the mock's last token is due
    // (ttft 2 ms + 4 × itl 1 ms; the mock never sends early), and never before the headers. (An
    // upper bound on E2E − TTFT, formerly < 1 ms, measured only how long this machine took to parse
    // the body: noise, not the client.)
    expect(r.firstTokenAtMs! - r.sentAtMs).toBeGreaterThanOrEqual(2 + 4 * 1);
    expect(r.firstTokenAtMs!).toBeGreaterThanOrEqual(r.headersAtMs!);
    expect(r.contentDeltas).toBe(1);
    expect(r.itlMs).toEqual([]);
    expect(r.outputTokens).toBe(5);
    expect(r.tokenSource).toBe('usage');
    expect(r.finishReason).toBe('length');
  });

  it('a hard stop aborts the request in flight → aborted', async () => {
    const hardStop = new AbortController();
    const pending = send(at('stallBeforeToken'), { deps: { hardStop: hardStop.signal } });
    setTimeout(() => hardStop.abort(), 100);
    const r = await pending;
    expect(r.errorKind).toBe('aborted');
    // Once stopped, a new call is not even sent.
    const after = await send(at('ok'), { deps: { hardStop: hardStop.signal } });
    expect(after.errorKind).toBe('aborted');
    expect(after.headersAtMs).toBeNull();
  });
});

describe('provider request ids', () => {
  let stub: StubServer;
  beforeAll(async () => {
    stub = await startStubServer((req, res) => {
      const route = (req.url ?? '').split('/')[1] ?? '';
      if (route === 'openai') res.setHeader('x-request-id', 'req_8f2e1c');
      if (route === 'anthropic') res.setHeader('request-id', 'req_011CSHoEeqs5C35K2UUqR7Fy');
      if (route === 'cloudflare') res.setHeader('cf-ray', '8c3a2f9e1d7b4a2c-FRA');
      if (route === 'custom') res.setHeader('x-trace', 'trace-42');
      streamCompletion(res, ['ok']);
    });
  });
  afterAll(async () => {
    await stub?.close();
  });
  const at = (route: string) => `${stub.baseUrl.replace(/\/v1$/, '')}/${route}/v1`;

  it.each([
    ['openai', {}, 'req_8f2e1c'],
    ['anthropic', {}, 'req_011CSHoEeqs5C35K2UUqR7Fy'],
    ['cloudflare', {}, '8c3a2f9e1d7b4a2c-FRA'],
    ['custom', { requestIdHeaders: ['x-trace'] }, 'trace-42'],
    ['none', {}, ''],
  ] as const)('%s: the id the provider returned is on the record', async (route, endpoint, id) => {
    const deps = clientDeps();
    try {
      const r = await chatClient(endpointAt(at(route), endpoint), deps)(chatCall(deps));
      expect(r.errorKind).toBeNull();
      expect(r.providerRequestId).toBe(id);
    } finally {
      await deps.transport.close();
    }
  });

  it('sends our own id (run id and row id) where the provider accepts one, so both sides can join', async () => {
    const deps = clientDeps({ clientRequestIdPrefix: '20261130-120000-bakeoff' });
    try {
      const hit = chatClient(endpointAt(at('openai'), { clientRequestIdHeader: 'X-Client-Request-Id' }), deps);
      await hit(chatCall(deps, { id: 77 }));
      expect(stub.requests.at(-1)!.headers['x-client-request-id']).toBe('20261130-120000-bakeoff-77');
      // And none where the provider documents no such header.
      await chatClient(endpointAt(at('openai')), deps)(chatCall(deps, { id: 78 }));
      expect(stub.requests.at(-1)!.headers['x-client-request-id']).toBeUndefined();
    } finally {
      await deps.transport.close();
    }
  });
});
