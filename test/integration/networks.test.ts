import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';
import { makeTlsFixtures, type TlsFixtures } from '../support/tls-fixtures.js';

// A corporate user's networks: a proxy in the way (HTTP_PROXY / NO_PROXY, or the target's own
// `proxy:`), a private CA (tls.ca), a gateway that wants a client certificate (tls.cert / key), a
// redirect, and HTTP/2. Every server here is the test's own, on loopback.

const TOKENS = ['Hello', ' there', '.'];
const KEY = 'sk-net-5ecret-key-0042';
let fx: TlsFixtures;

type Closable = { close(cb?: () => void): unknown };
const sockets = new Set<Socket>();
function track(server: { on(e: 'connection' | 'secureConnection', l: (s: Socket) => void): unknown }) {
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
}
async function listen(server: HttpsServer | Http2SecureServer): Promise<string> {
  track(server as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}
const closing: Closable[] = [];

function httpsChat(opts: Record<string, unknown> = {}): HttpsServer {
  const server = createHttpsServer({ key: fx.serverKey, cert: fx.serverCert, ...opts }, (req, res) => {
    req.resume();
    req.on('end', () => streamCompletion(res, TOKENS));
  });
  closing.push(server);
  return server;
}

const load = { concurrency: 1, requests: 3 };
// Where every request fails: two, with a short backoff between them.
const failing = { concurrency: 1, requests: 2, errorBackoff: '50ms' };
const target = (baseUrl: string, extra: Record<string, unknown> = {}) => ({ name: 't', model: 'm', baseUrl, ...extra });

beforeAll(() => {
  fx = makeTlsFixtures();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(closing.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('TLS', () => {
  it('a server signed by a private CA: works with tls.ca; without it, every request is tls_error, backed off, not the generator', async () => {
    const baseUrl = await listen(httpsChat());
    const ok = await runCollecting(scenarioOf({ targets: [target(baseUrl, { tls: { ca: fx.caFile } })], load }));
    expect(ok.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(ok.measured.filter((r) => r.connection === 'new').every((r) => r.tlsMs !== null && r.tlsMs >= 0)).toBe(true);

    // Two users for a second: an unbacked loop would make hundreds of handshakes.
    const bad = await runCollecting(scenarioOf({ targets: [target(baseUrl)], load: { concurrency: 2, duration: '1s' } }));
    expect(bad.measured.length).toBeGreaterThan(0);
    expect(new Set(bad.measured.map((r) => r.errorKind))).toEqual(new Set(['tls_error']));
    expect(bad.measured[0]!.errorMessage).toMatch(/^TLS handshake failed: certificate not trusted .*tls\.ca/);
    expect(bad.measured.length).toBeLessThan(20);
    // Not the generator's: none counted on its side (a busy machine may still mark the run's own health, which is apart).
    expect(bad.summary.groups[0]!.requests.generatorFailed).toBe(0);
    expect(bad.summary.groups[0]!.requests.errorsByKind.tls_error).toBe(bad.measured.length);
  });

  it('https:// to a port that speaks plain HTTP is tls_error, saying so', async () => {
    const plain = await startStubServer((_req, res) => streamCompletion(res, TOKENS));
    closing.push({ close: (cb) => void plain.close().then(cb) });
    const run = await runCollecting(scenarioOf({ targets: [target(plain.baseUrl.replace('http:', 'https:'))], load: failing }));
    expect(new Set(run.measured.map((r) => r.errorKind))).toEqual(new Set(['tls_error']));
    expect(run.measured[0]!.errorMessage).toContain('does not speak TLS');
  });

  it('a gateway that requires a client certificate: works with tls.cert and tls.key, fails without', async () => {
    const baseUrl = await listen(httpsChat({ requestCert: true, rejectUnauthorized: true, ca: fx.ca }));
    const withCert = { tls: { ca: fx.caFile, cert: fx.clientCertFile, key: fx.clientKeyFile } };
    const ok = await runCollecting(scenarioOf({ targets: [target(baseUrl, withCert)], load }));
    expect(ok.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    const without = await runCollecting(scenarioOf({ targets: [target(baseUrl, { tls: { ca: fx.caFile } })], load: failing }));
    for (const r of without.measured) {
      expect(r.errorKind).toBe('tls_error');
      expect(r.errorMessage).toContain('client certificate');
    }
  });
});

describe('proxies', () => {
  let mock: MockServer;
  let proxy: ConnectProxy;
  beforeAll(async () => {
    mock = await startMockServer({ models: ['m'], profile: { rttMs: 0, ttftMs: 1, itlMs: 1 } as never });
    proxy = await startConnectProxy({ 'llm.internal.invalid': '127.0.0.1' });
  });
  afterAll(async () => {
    await proxy.close();
    await mock.close();
  });

  it('HTTP_PROXY carries the run through the proxy (a name only it resolves included); NO_PROXY bypasses it', async () => {
    const port = new URL(mock.baseUrl).port;
    const internal = `http://llm.internal.invalid:${port}/v1`;
    const before = proxy.tunnels.length;
    const via = await runCollecting(scenarioOf({ targets: [target(internal)], load }), { env: { HTTP_PROXY: proxy.url } });
    expect(via.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(proxy.tunnels.slice(before)).toContain(`llm.internal.invalid:${port}`);

    const count = proxy.tunnels.length;
    const direct = await runCollecting(scenarioOf({ targets: [target(mock.baseUrl)], load }), {
      env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' },
    });
    expect(direct.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(proxy.tunnels.length).toBe(count);
  });

  it("a target's own proxy: wins over the environment; proxy: false ignores it; https is checked end to end", async () => {
    const baseUrl = await listen(httpsChat());
    const hostPort = new URL(baseUrl).host;
    const own = target(baseUrl, { proxy: proxy.url, tls: { ca: fx.caFile } });
    const via = await runCollecting(scenarioOf({ targets: [own], load }), { env: { HTTPS_PROXY: 'http://127.0.0.1:1' } });
    expect(via.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(proxy.tunnels).toContain(hostPort);
    expect(proxy.auths.at(-1)).toBeUndefined();
    // Through the proxy, TLS is the target's handshake inside the tunnel: still measured.
    expect(via.measured.some((r) => r.connection === 'new' && r.tlsMs !== null)).toBe(true);

    const count = proxy.tunnels.length;
    const off = target(baseUrl, { proxy: false, tls: { ca: fx.caFile } });
    const direct = await runCollecting(scenarioOf({ targets: [off], load }), { env: { HTTPS_PROXY: proxy.url } });
    expect(direct.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(proxy.tunnels.length).toBe(count);
  });

  it("the environment's proxy credentials go to the proxy as Proxy-Authorization, never to the target", async () => {
    const baseUrl = await listen(httpsChat());
    const withAuth = proxy.url.replace('http://', 'http://user:pa55word@');
    const via = await runCollecting(scenarioOf({ targets: [target(baseUrl, { tls: { ca: fx.caFile } })], load }), {
      env: { HTTPS_PROXY: withAuth },
    });
    expect(via.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(proxy.auths.at(-1)).toBe(`Basic ${Buffer.from('user:pa55word').toString('base64')}`);
  });

  it('a proxy that refuses the tunnel is connect_error naming its answer; one that never answers, connect_timeout', async () => {
    const refused = await runCollecting(scenarioOf({ targets: [target('http://elsewhere.invalid:8080/v1')], load: failing }), {
      env: { HTTP_PROXY: proxy.url },
    });
    for (const r of refused.measured) {
      expect(r.errorKind).toBe('connect_error');
      expect(r.errorMessage).toContain('answered 502 to CONNECT elsewhere.invalid:8080');
    }
    // A proxy that takes the connection and never answers the CONNECT.
    const mute = createNetServer((sock) => sock.on('error', () => undefined));
    closing.push(mute);
    track(mute as never);
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const hung = await runCollecting(
      scenarioOf({ targets: [target(mock.baseUrl)], load: failing, timeouts: { connect: '300ms', firstToken: '10s', total: '20s' } }),
      { env: { HTTP_PROXY: `http://127.0.0.1:${(mute.address() as AddressInfo).port}` } },
    );
    for (const r of hung.measured) {
      expect(r.errorKind).toBe('connect_timeout');
      expect(r.errorMessage).toContain('did not open a tunnel');
    }
  });

  it('the embedded mock is never proxied', async () => {
    const run = await runCollecting(scenarioOf({ targets: [{ name: 'm', model: 'm', mock: { rttMs: 0 } }], load }), {
      env: { HTTP_PROXY: 'http://127.0.0.1:1' },
    });
    expect(run.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
  });
});

describe('redirects', () => {
  let other: StubServer;
  let redirecting: StubServer;
  beforeAll(async () => {
    other = await startStubServer((_req, res) => streamCompletion(res, TOKENS));
    redirecting = await startStubServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${other.port}/v1/chat/completions?sig=${'q'.repeat(12)}` }).end();
    });
  });
  afterAll(async () => {
    await other.close();
    await redirecting.close();
  });

  it('a 307 to another origin is recorded as redirect with its host, not followed: the key never reaches it', async () => {
    const t = { ...target(redirecting.baseUrl), apiKeyEnv: 'NET_KEY' };
    const run = await runCollecting(scenarioOf({ targets: [t], load }), { env: { NET_KEY: KEY } });
    expect(redirecting.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(other.requests).toHaveLength(0);
    for (const r of run.measured) {
      expect(r.errorKind).toBe('redirect');
      expect(r.errorMessage).toContain(`http://127.0.0.1:${other.port}`);
      expect(r.errorMessage).not.toContain('qqqq');
      expect(r.errorMessage).not.toContain('(empty body)');
    }
  });
});

describe('HTTP/2', () => {
  it('http2: true streams from a server that speaks only HTTP/2; without it the same server fails', async () => {
    const server = createSecureServer({ key: fx.serverKey, cert: fx.serverCert, allowHTTP1: false }, (req, res) => {
      req.resume();
      req.on('end', () => streamCompletion(res as unknown as ServerResponse, TOKENS));
    });
    closing.push(server);
    const baseUrl = await listen(server);
    const ok = await runCollecting(scenarioOf({ targets: [target(baseUrl, { http2: true, tls: { ca: fx.caFile } })], load }));
    expect(ok.measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    expect(ok.measured.map((r) => r.outputTokens)).toEqual([3, 3, 3]);
    const h1 = await runCollecting(scenarioOf({ targets: [target(baseUrl, { tls: { ca: fx.caFile } })], load: failing }));
    for (const r of h1.measured) {
      expect(r.errorKind).toBe('tls_error');
      expect(r.errorMessage).toContain('http2: true');
    }
  });
});
