import { afterEach, describe, expect, it } from 'vitest';
import { probeTarget } from '../../src/client/probe.js';
import { transport, type Transport } from '../../src/client/transport.js';
import { monotonicClock } from '../../src/metrics/clock.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { endpointAt } from '../support/chat-call.js';
import { jsonError, REFUSED_BASE_URL, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// probe's stream_options verdict says only what an answer showed: accepted when the request carrying it was answered
// 2xx, rejected when a 400 named it, unknown when no request was answered (a refused connection, a 401, a 5xx).

describe('probe: stream_options', () => {
  let pool: Transport;
  const servers: StubServer[] = [];
  afterEach(async () => {
    await pool?.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const probe = (baseUrl: string) => {
    pool = transport({ connectTimeoutMs: 2_000 });
    const deps = { transport: pool, clock: monotonicClock(), tokenizer: tokenizer(), timeoutMs: 5_000 };
    return probeTarget(endpointAt(baseUrl, { protocol: 'openai-chat', streamOptions: true }), deps);
  };
  const stub = async (handler: Parameters<typeof startStubServer>[0]) => {
    const s = await startStubServer(handler);
    servers.push(s);
    return s;
  };

  it('a server that refuses every connection: unknown, not accepted', async () => {
    const r = await probe(REFUSED_BASE_URL);
    expect(r.streaming.ok).toBe(false);
    expect(r.streamOptions).toBe('unknown');
  });

  it.each([
    [401, 'invalid api key'],
    [503, 'overloaded'],
  ])('a server that answers every request %i: unknown', async (status, message) => {
    const s = await stub((_, res) => jsonError(res, status, message));
    const r = await probe(s.baseUrl);
    expect(r.streamOptions).toBe('unknown');
  });

  it('a server that streams a reply: accepted', async () => {
    const s = await stub((req, res) => (req.url?.endsWith('/models') ? jsonError(res, 404, 'no') : streamCompletion(res, ['Hi', '.'])));
    const r = await probe(s.baseUrl);
    expect(r.streaming.ok).toBe(true);
    expect(r.streamOptions).toBe('accepted');
  });

  it('a server whose 400 names stream_options: rejected', async () => {
    const s = await stub((_req, res, body) =>
      body.includes('stream_options')
        ? jsonError(res, 400, 'Unrecognized request argument supplied: stream_options')
        : streamCompletion(res, ['Hi']),
    );
    const r = await probe(s.baseUrl);
    expect(r.streamOptions).toBe('rejected');
  });
});
