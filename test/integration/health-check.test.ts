import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { transport, type Transport } from '../../src/client/transport.js';
import { healthCheck } from '../../src/failover/health-check.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { mockProfileSchema } from '../../src/scenario/schema.js';
import { endpointAt } from '../support/chat-call.js';
import { REFUSED_BASE_URL, startStubServer, type StubServer } from '../support/stub-server.js';

// Active health checks (GET <baseUrl>/models) feed a failover route's breakers: true only for a
// 200 within the timeout; every other outcome — an outage status, a hang, a refused connection —
// is false, and a check never throws.

describe('healthCheck', () => {
  let pool: Transport;
  const servers: (MockServer | StubServer)[] = [];
  const mock = async (faults: Record<string, unknown>[] = []) => {
    const m = await startMockServer({ profile: mockProfileSchema.parse({ faults }) });
    servers.push(m);
    return m;
  };
  afterEach(async () => {
    await pool?.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('a healthy server answers its models list: true', async () => {
    pool = transport({ connectTimeoutMs: 2000 });
    expect(await healthCheck(endpointAt((await mock()).baseUrl), pool, 2000)).toBe(true);
  });

  it('a server in an outage (503 on every request, /models included): false', async () => {
    pool = transport({ connectTimeoutMs: 2000 });
    expect(await healthCheck(endpointAt((await mock([{ kind: 'http_503' }])).baseUrl), pool, 2000)).toBe(false);
  });

  it('a server that hangs: false once the timeout passes, not later', async () => {
    pool = transport({ connectTimeoutMs: 2000 });
    const m = await mock([{ kind: 'hang' }]);
    const t0 = performance.now();
    expect(await healthCheck(endpointAt(m.baseUrl), pool, 200)).toBe(false);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    // Generous: a loaded machine may run the timer late, but never by seconds.
    expect(took).toBeLessThan(3000);
  });

  it('a refused connection: false, no throw', async () => {
    pool = transport({ connectTimeoutMs: 2000 });
    expect(await healthCheck(endpointAt(REFUSED_BASE_URL), pool, 2000)).toBe(false);
  });

  it("sends the endpoint's headers (auth) to <baseUrl>/models, and a 200 of any body counts", async () => {
    pool = transport({ connectTimeoutMs: 2000 });
    const stub = await startStubServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    servers.push(stub);
    expect(await healthCheck(endpointAt(stub.baseUrl, { headers: { authorization: 'Bearer fake-key' } }), pool, 2000)).toBe(true);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer fake-key' } });
  });

  it('any status but 200 is unhealthy (a 401 from a revoked key, a 404)', async () => {
    pool = transport({ connectTimeoutMs: 2000 });
    for (const status of [401, 404, 204]) {
      const stub = await startStubServer((_, res) => res.writeHead(status).end());
      servers.push(stub);
      expect(await healthCheck(endpointAt(stub.baseUrl), pool, 2000), `status ${status}`).toBe(false);
    }
  });
});
