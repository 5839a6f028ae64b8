import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { errorKindForError, errorKindForStatus } from '../../src/client/error-kind.js';
import { ERROR_KINDS, type ErrorKind } from '../../src/scenario/error-kinds.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { assessValidity, GENERATOR_FAILURE_LIMIT } from '../../src/summary/validity.js';

// Every failure has an owner: the target, the network between, or the generator itself. The
// generator's own failures (its descriptors, its lateness, the user's abort) never count against
// a target, and enough of them make the run invalid.

// The kinds a run charges to the generator: its own resources, its own lateness, the user's abort, and what it
// could not classify. Everything else is the target's (or the network's) to answer for.
const GENERATOR_KINDS: readonly ErrorKind[] = ['local_resource', 'client_overload', 'aborted', 'other'];

describe('error kinds and their owners', () => {
  it.each(ERROR_KINDS.map((k) => [k, GENERATOR_KINDS.includes(k)] as const))(
    "%s: counted apart as the generator's own (%s), or as the target's failure",
    (kind, generators) => {
      const rec = new Recorder();
      rec.add(result(null));
      rec.add(result(kind));
      const { requests } = summarizeGroup(rec.groups.get('t')!);
      if (generators) {
        expect(requests).toMatchObject({ total: 1, failed: 0, generatorFailed: 1, generatorErrorsByKind: { [kind]: 1 } });
        expect(requests.errorRate).toBe(0);
      } else {
        expect(requests).toMatchObject({ total: 2, failed: 1, generatorFailed: 0, errorsByKind: { [kind]: 1 } });
        expect(requests.errorRate).toBeCloseTo(0.5, 9);
      }
    },
  );

  // A route moves on from what the target (or the way to it) did wrong; the generator's own failures
  // would fail the same on any hop, and circuit_open is what the route itself ends with.
  it.each(ERROR_KINDS.map((k) => [k, !GENERATOR_KINDS.includes(k) && k !== 'circuit_open'] as const))(
    'a failover route may move on from %s: %s',
    (kind, allowed) => {
      const v = validateScenario({
        name: 'routes',
        targets: [
          { name: 'primary', model: 'm', mock: {} },
          { name: 'fallback', model: 'm', mock: {} },
        ],
        load: { concurrency: 1, duration: '1s' },
        failover: [{ name: 'chat', chain: ['primary', 'fallback'], on: [kind] }],
      });
      expect(v.ok, v.ok ? kind : JSON.stringify(v.problems)).toBe(allowed);
      if (!v.ok) expect(v.problems.map((p) => p.path)).toEqual(['failover[0].on[0]']);
    },
  );

  // The codes themselves, for the failures a test cannot make on demand (a full descriptor table, DNS).
  it.each<[string, unknown, ErrorKind]>([
    ['EMFILE (out of file descriptors)', { code: 'EMFILE' }, 'local_resource'],
    ['ENFILE', { code: 'ENFILE' }, 'local_resource'],
    ['ENOBUFS', { code: 'ENOBUFS' }, 'local_resource'],
    ['EADDRNOTAVAIL (no local port left)', Object.assign(new Error('connect'), { cause: { code: 'EADDRNOTAVAIL' } }), 'local_resource'],
    ['ECONNREFUSED', { code: 'ECONNREFUSED' }, 'connect_error'],
    ['ENOTFOUND (DNS)', { code: 'ENOTFOUND' }, 'connect_error'],
    ['undici connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT' }, 'connect_timeout'],
    ['ECONNRESET', { code: 'ECONNRESET' }, 'reset'],
    ['an HTTP parser error', { code: 'HPE_INVALID_CHUNK_SIZE' }, 'bad_stream'],
    ['a proxy that refused the tunnel', { code: 'EPROXYREFUSED' }, 'connect_error'],
    ['a leaf off an intermediate nobody gave', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'tls_error'],
    ['a private root', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'tls_error'],
    ['a self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'tls_error'],
    ['an issuer not in the store', { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }, 'tls_error'],
    ['an expired certificate', { code: 'CERT_HAS_EXPIRED' }, 'tls_error'],
    ['a certificate for another host', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls_error'],
    ['https:// to a plain-HTTP port', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'tls_error'],
    ['any other OpenSSL failure', Object.assign(new Error('x'), { cause: { code: 'ERR_SSL_SOMETHING_NEW' } }), 'tls_error'],
    ['something unknown', new Error('boom'), 'other'],
  ])('%s → %s', (_, err, kind) => {
    expect(errorKindForError(err)).toBe(kind);
  });

  it.each<[number, ErrorKind]>([
    [429, 'http_429'],
    [401, 'http_4xx'],
    [404, 'http_4xx'],
    [500, 'http_5xx'],
    [503, 'http_5xx'],
    [301, 'redirect'],
    [307, 'redirect'],
    [308, 'redirect'],
  ])('HTTP %d → %s', (status, kind) => {
    expect(errorKindForStatus(status)).toBe(kind);
  });
});

describe('error kinds classified from real transport failures', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));
  // A loopback server that does `onSocket` with each connection once the request has arrived.
  const serve = async (onSocket: (s: Socket) => void): Promise<string> => {
    const srv = createServer((sock) => sock.once('data', () => onSocket(sock)));
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  };
  const failure = async (origin: string): Promise<unknown> => {
    const agent = new Agent({ connect: { timeout: 2_000 } });
    try {
      await request(`${origin}/v1/chat/completions`, { method: 'POST', body: '{}', dispatcher: agent }).then((r) => r.body.text());
      return null;
    } catch (err) {
      return err;
    } finally {
      await agent.close();
    }
  };

  it('a port nobody listens on → connect_error', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise((r) => srv.close(r));
    expect(errorKindForError(await failure(`http://127.0.0.1:${port}`))).toBe('connect_error');
  });

  it('a connection reset before the response → reset', async () => {
    const origin = await serve((sock) => sock.resetAndDestroy());
    expect(errorKindForError(await failure(origin))).toBe('reset');
  });

  it('a connection closed before the response → reset', async () => {
    const origin = await serve((sock) => sock.end());
    expect(errorKindForError(await failure(origin))).toBe('reset');
  });

  // undici's HTTPParserError may carry no `code` (undici 7 and 8): these are classified by its name.
  it('an answer that is not HTTP → bad_stream', async () => {
    const origin = await serve((sock) => sock.end('<html>proxy says no</html>\r\n\r\n'));
    expect(errorKindForError(await failure(origin))).toBe('bad_stream');
  });

  it('a chunked body cut by a bad chunk size → bad_stream', async () => {
    const origin = await serve((sock) =>
      sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\ndata: {}\r\n\r\n'),
    );
    expect(errorKindForError(await failure(origin))).toBe('bad_stream');
  });
});

let id = 0;
function result(kind: ErrorKind | null, over: Partial<RequestResult> = {}): RequestResult {
  const r = newResult({
    id: id++,
    phase: 'measure',
    target: 't',
    region: 'r',
    provider: 'mock',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: id * 10,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 4,
  });
  Object.assign(r, { sentAtMs: r.scheduledAtMs, endAtMs: r.scheduledAtMs + 50 });
  if (kind === null)
    Object.assign(r, {
      status: 200,
      headersAtMs: r.scheduledAtMs + 5,
      firstTokenAtMs: r.scheduledAtMs + 20,
      firstContentAtMs: r.scheduledAtMs + 20,
      contentDeltas: 4,
      outputTokens: 4,
    });
  else Object.assign(r, { errorKind: kind, errorMessage: `${kind} happened` });
  return Object.assign(r, over);
}

describe('generator-owned failures are counted apart', () => {
  it("never enter the target's totals, failures or error rate; the target's own failures do", () => {
    const rec = new Recorder();
    for (let i = 0; i < 90; i++) rec.add(result(null));
    for (let i = 0; i < 5; i++) rec.add(result('http_5xx'));
    for (let i = 0; i < 3; i++) rec.add(result('aborted'));
    for (let i = 0; i < 2; i++) rec.add(result('local_resource'));
    const g = summarizeGroup(rec.groups.get('t')!);
    expect(g.requests).toMatchObject({
      total: 95,
      ok: 90,
      failed: 5,
      errorsByKind: { http_5xx: 5 },
      generatorFailed: 5,
      generatorErrorsByKind: { aborted: 3, local_resource: 2 },
    });
    expect(g.requests.errorRate).toBeCloseTo(5 / 95, 6);
    expect(g.requests.errorSamples).toEqual({
      http_5xx: 'http_5xx happened',
      aborted: 'aborted happened',
      local_resource: 'local_resource happened',
    });
  });

  it(`make the run invalid above ${GENERATOR_FAILURE_LIMIT * 100}% of its arrivals, and not at or below it`, () => {
    const at = (generator: number, of: number) => {
      const rec = new Recorder();
      for (let i = 0; i < of - generator; i++) rec.add(result(null));
      for (let i = 0; i < generator; i++) rec.add(result('client_overload'));
      return assessValidity([...rec.groups.values()]);
    };
    expect(at(1, 100)).toMatchObject({ valid: true, arrivals: 100, generatorFailed: 1 });
    const invalid = at(2, 100);
    expect(invalid).toMatchObject({ valid: false, arrivals: 100, generatorFailed: 2, generatorErrorsByKind: { client_overload: 2 } });
    expect(invalid.reasons[0]).toMatch(/^2 of 100 arrivals \(2\.0%, limit 1%\) failed on the generator's own side \(client_overload ×2\)/);
    expect(at(0, 100).valid).toBe(true);
  });

  it("the user's own aborts (a second Ctrl-C) never make a run invalid: it is interrupted, not invalid", () => {
    const rec = new Recorder();
    for (let i = 0; i < 89; i++) rec.add(result(null));
    for (let i = 0; i < 11; i++) rec.add(result('aborted'));
    const v = assessValidity([...rec.groups.values()]);
    // Still counted apart as the generator's, but not against the run.
    expect(v).toMatchObject({ valid: true, reasons: [], generatorFailed: 11, generatorErrorsByKind: { aborted: 11 } });
    // Beside a real generator failure past the limit, the run is invalid for that one alone.
    for (let i = 0; i < 2; i++) rec.add(result('local_resource'));
    const invalid = assessValidity([...rec.groups.values()]);
    expect(invalid.valid).toBe(false);
    expect(invalid.reasons[0]).toMatch(/^2 of 102 arrivals \(2\.0%, limit 1%\) failed on the generator's own side \(local_resource ×2\)/);
  });

  it("arrivals the generator dropped at its own connection cap count as its failures too; drops at the scenario's maxInFlight do not", () => {
    const rec = new Recorder();
    for (let i = 0; i < 50; i++) rec.add(result(null));
    for (let i = 0; i < 30; i++)
      rec.addDropped('target', { target: 't', region: 'r', provider: 'mock', model: 'm' }, 'measure', 1000 + i, 'max_in_flight');
    expect(assessValidity([...rec.groups.values()]).valid).toBe(true);
    for (let i = 0; i < 20; i++)
      rec.addDropped('target', { target: 't', region: 'r', provider: 'mock', model: 'm' }, 'measure', 2000 + i, 'connection_cap');
    const v = assessValidity([...rec.groups.values()]);
    expect(v).toMatchObject({ valid: false, arrivals: 100, generatorDropped: 20 });
    expect(summarizeGroup(rec.groups.get('t')!).requests.droppedBy).toEqual({ max_in_flight: 30, connection_cap: 20 });
  });
});
