import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { buildCatalog, loadCatalogData } from '../../src/cost/catalog.js';
import { modelPriceSchema } from '../../src/scenario/price-row.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startStubServer, type StubServer } from '../support/stub-server.js';
import { verifySigV4 } from '../support/sigv4-verify.js';

// Amazon Bedrock: the project's own requests to a bedrock target, checked on the wire by a loopback server that verifies
// the SigV4 signature itself (from the bytes it received, with the secret the test gave the run), or the Bedrock API
// key; the ConverseStream reply in eventstream frames read into tokens, cached tokens, the server's latency and cost.
// The official SDKs read the mock's Bedrock paths in bedrock-sdk.test.ts.

const MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const KEYS = {
  accessKeyId: 'AKIDBAKEOFFTEST01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
};
const awsCredentials = async () => async () => KEYS;

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });
const frame = (headers: Record<string, string>, payload: unknown) =>
  codec.encode({
    headers: Object.fromEntries(Object.entries({ ':content-type': 'application/json', ...headers }).map(([k, v]) => [k, str(v)])),
    body: fromUtf8(JSON.stringify(payload)),
  });
const event = (type: string, payload: Record<string, unknown>) =>
  frame({ ':event-type': type, ':message-type': 'event' }, { ...payload, p: 'abcdef' });

// A ConverseStream reply: tokens a few ms apart, then messageStop and metadata with usage and the server's latency.
function converseStream(res: ServerResponse, words: string[], usage: Record<string, number>, latencyMs: number): void {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-0001' });
  res.write(event('messageStart', { role: 'assistant' }));
  let i = 0;
  const next = () => {
    if (i < words.length) {
      res.write(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: words[i++] } }));
      setTimeout(next, 3);
      return;
    }
    res.write(event('contentBlockStop', { contentBlockIndex: 0 }));
    res.write(event('messageStop', { stopReason: 'end_turn' }));
    res.end(event('metadata', { usage, metrics: { latencyMs } }));
  };
  next();
}

const USAGE = { inputTokens: 40, outputTokens: 3, totalTokens: 1243, cacheReadInputTokens: 1000, cacheWriteInputTokens: 200 };

describe('a bedrock target on the wire', () => {
  const servers: StubServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const stub = async (reply: Parameters<typeof startStubServer>[0]) => {
    const s = await startStubServer(reply);
    servers.push(s);
    return s;
  };
  const target = (port: number, extra: Record<string, unknown> = {}) => ({
    name: 'bedrock-use1',
    provider: 'bedrock',
    model: MODEL,
    baseUrl: `http://127.0.0.1:${port}`,
    bedrock: { region: 'us-east-1' },
    ...extra,
  });

  it('signs each request with SigV4 the server verifies, on the ConverseStream path, and reads usage, cache and latencyMs', async () => {
    const verdicts: unknown[] = [];
    const s = await stub((req, res, body) => {
      verdicts.push(
        verifySigV4({ method: req.method!, path: req.url!, headers: req.headers, body }, KEYS, { service: 'bedrock', region: 'us-east-1' }),
      );
      converseStream(res, ['Hello', ' there', ' friend'], USAGE, 7);
    });
    const catalog = buildCatalog(await loadCatalogData(), {
      [MODEL]: modelPriceSchema.parse({ input: 0.8, cachedInput: 0.08, cacheWrite: 1, output: 4, source: 'test row' }),
    });
    const { summary, results } = await runCollecting(scenarioOf({ targets: [target(s.port)], load: { concurrency: 1, requests: 3 } }), {
      awsCredentials,
      pricing: catalog,
    });
    expect(await Promise.all(verdicts)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const req = s.requests[0]!;
    // The same bytes with another secret do not verify: the check above could fail.
    const wrong = { ...KEYS, secretAccessKey: `${KEYS.secretAccessKey.slice(1)}x` };
    expect(
      await verifySigV4({ method: req.method, path: req.url, headers: req.headers, body: req.body }, wrong, {
        service: 'bedrock',
        region: 'us-east-1',
      }),
    ).toMatchObject({ ok: false });
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream');
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBAKEOFFTEST01\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(req.headers['x-amz-security-token']).toBe(KEYS.sessionToken);
    expect(req.headers.accept).toMatch(/^application\/vnd\.amazon\.eventstream/);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['inferenceConfig', 'messages']);
    expect(body.inferenceConfig).toEqual({ maxTokens: 4 });
    for (const r of results) {
      expect([r.errorKind, r.status, r.outputTokens, r.tokenSource, r.finishReason]).toEqual([null, 200, 3, 'usage', 'end_turn']);
      expect([r.inputTokens, r.cachedInputTokens, r.cacheWriteInputTokens, r.serverLatencyMs]).toEqual([1240, 1000, 200, 7]);
      expect(r.providerRequestId).toBe('req-0001');
      expect(r.itlMs.length + r.coalescedGaps).toBe(2);
    }
    const g = summary.groups[0]!;
    expect(g.metrics.serverLatency.count).toBe(3);
    expect(g.metrics.serverLatency.p50).toBe(7);
    // The client's E2E from send covers the server's reported 7 ms and its own 3 ms gaps; the share beyond is the rest.
    expect(g.metrics.networkShare.count).toBe(3);
    // 40 uncached × $0.8 + 1000 cache reads × $0.08 + 200 cache writes × $1 + 3 × $4, per million, a request.
    expect(g.cost!.totalUsd).toBeCloseTo((3 * (40 * 0.8 + 1000 * 0.08 + 200 * 1 + 3 * 4)) / 1e6, 12);
    const text = JSON.stringify({ summary, results });
    for (const secret of [KEYS.secretAccessKey, KEYS.sessionToken]) expect(text).not.toContain(secret);
  });

  it('a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) goes as a bearer token, unsigned', async () => {
    const key = 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl';
    const s = await stub((_req, res) => converseStream(res, ['Hi'], { inputTokens: 10, outputTokens: 1, totalTokens: 11 }, 3));
    const { results, summary } = await runCollecting(scenarioOf({ targets: [target(s.port)], load: { concurrency: 1, requests: 1 } }), {
      env: { AWS_BEARER_TOKEN_BEDROCK: key },
      awsCredentials: async () => {
        throw new Error('the AWS chain must not be asked when a Bedrock API key is set');
      },
    });
    expect(results[0]!.errorKind).toBeNull();
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(s.requests[0]!.headers['x-amz-date']).toBeUndefined();
    expect(JSON.stringify({ summary, results })).not.toContain(key);
  });

  it('Claude through InvokeModel (protocol anthropic-messages): invoke-with-response-stream, chunk frames, no model in the body', async () => {
    const chunk = (ev: Record<string, unknown>) =>
      frame({ ':event-type': 'chunk', ':message-type': 'event' }, { bytes: Buffer.from(JSON.stringify(ev)).toString('base64'), p: 'ab' });
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.write(chunk({ type: 'message_start', message: { usage: { input_tokens: 12, output_tokens: 1 } } }));
      res.write(chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }));
      res.write(chunk({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }));
      res.end(chunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': { invocationLatency: 9 } }));
    });
    const { results } = await runCollecting(
      scenarioOf({ targets: [target(s.port, { protocol: 'anthropic-messages' })], load: { concurrency: 1, requests: 1 } }),
      { awsCredentials },
    );
    expect([results[0]!.errorKind, results[0]!.inputTokens, results[0]!.outputTokens, results[0]!.serverLatencyMs]).toEqual([
      null,
      12,
      1,
      9,
    ]);
    const req = s.requests[0]!;
    expect(req.url).toBe('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['anthropic_version', 'max_tokens', 'messages']);
    expect(body.anthropic_version).toBe('bedrock-2023-05-31');
  });

  it('a throttlingException frame mid-stream is a stream error naming it; a 429 ThrottlingException is http_429 with its message', async () => {
    let n = 0;
    const s = await stub((_req, res) => {
      if (n++ === 0) {
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
        res.write(event('messageStart', { role: 'assistant' }));
        res.write(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }));
        res.end(
          frame(
            { ':exception-type': 'throttlingException', ':message-type': 'exception' },
            { message: 'Too many tokens, please wait before trying again.' },
          ),
        );
        return;
      }
      const text = JSON.stringify({ message: 'Too many requests, please wait before trying again.' });
      res.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      });
      res.end(text);
    });
    const { results } = await runCollecting(scenarioOf({ targets: [target(s.port)], load: { concurrency: 1, requests: 2 } }), {
      awsCredentials,
    });
    const byId = [...results].sort((a, b) => a.id - b.id);
    expect(byId[0]!.errorKind).toBe('stream_error');
    expect(byId[0]!.errorMessage).toBe('throttlingException: Too many tokens, please wait before trying again.');
    expect(byId[1]!.errorKind).toBe('http_429');
    expect(byId[1]!.errorMessage).toMatch(/^HTTP 429: Too many requests, please wait before trying again\./);
  });

  it('credentials the AWS chain cannot find stop the run before any traffic', async () => {
    const s = await stub((_req, res) => converseStream(res, ['Hi'], { inputTokens: 10, outputTokens: 1, totalTokens: 11 }, 3));
    const failing = async () => {
      throw new Error('no AWS credentials for Bedrock: Could not load credentials from any providers');
    };
    await expect(
      runCollecting(scenarioOf({ targets: [target(s.port)], load: { concurrency: 1, requests: 1 } }), { awsCredentials: failing }),
    ).rejects.toThrow(/no AWS credentials for Bedrock/);
    expect(s.requests.length).toBe(0);
  });
});

describe('a bedrock target on the mock', () => {
  const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };
  const pricing = async () =>
    buildCatalog(await loadCatalogData(), {
      [MODEL]: modelPriceSchema.parse({ input: 0.8, cachedInput: 0.08, cacheWrite: 1, output: 4, source: 'test row' }),
    });

  it.each([
    ['bedrock-converse', { quirks: {} }, 0],
    ['bedrock-converse', { quirks: { cachedPromptTokens: 512 } }, 512],
    ['anthropic-messages', { quirks: {} }, 0],
  ])('%s %j: signed with stand-in keys, tokens from usage, cached tokens and cost', async (protocol, mock, cached) => {
    const s = scenarioOf({
      targets: [
        { name: 'bedrock', provider: 'bedrock', model: MODEL, protocol, bedrock: { region: 'eu-west-1' }, mock: { ...FAST, ...mock } },
      ],
      workload: { promptTokens: 600, maxTokens: 50 },
      load: { concurrency: 2, requests: 4 },
    });
    const { summary, measured } = await runCollecting(s, { pricing: await pricing(), useMock: true });
    expect(summary.status).toBe('completed');
    expect(measured.length).toBe(4);
    for (const r of measured) {
      expect([r.status, r.errorKind, r.inputTokens, r.outputTokens, r.tokenSource]).toEqual([200, null, 600, 50, 'usage']);
      expect(r.cachedInputTokens).toBe(cached);
      // ConverseStream reports the server's time in metadata, InvokeModel in message_stop's invocation metrics.
      expect(r.serverLatencyMs).toBeGreaterThanOrEqual(0);
    }
    const perRequest = ((600 - cached) * 0.8 + cached * 0.08 + 50 * 4) / 1e6;
    // The summary gives dollars to 6 decimals: a cache read priced as plain input would be $0.001475 more.
    expect(summary.groups[0]!.cost!.totalUsd).toBe(Number((4 * perRequest).toFixed(6)));
  });
});
