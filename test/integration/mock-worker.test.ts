import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli-process.js';

// The worker thread runs the built entry point (dist/mock/worker-main.js), as the CLI does, so
// the host is imported from dist/ too.
type StartMockInWorker = typeof import('../../src/mock/worker-host.js').startMockInWorker;
let startMockInWorker: StartMockInWorker;

// The mock worker host: a run's embedded mocks live in one worker thread, so their timers do not
// share the measuring event loop. Several servers share the thread; each serves on its own port,
// counts its completions, and closing the last one ends the thread (a later run starts a new one).

async function complete(baseUrl: string): Promise<number> {
  const res = await request(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
  });
  await res.body.json();
  return res.statusCode;
}

describe('startMockInWorker', () => {
  beforeAll(async () => {
    await ensureBuilt();
    ({ startMockInWorker } = (await import('../../dist/mock/worker-host.js')) as { startMockInWorker: StartMockInWorker });
  }, 130_000);

  it('hosts several servers in one thread, each on its own port, each counting its own completions', async () => {
    const a = await startMockInWorker({ profile: { rttMs: 0, ttftMs: 1, itlMs: 0 }, models: ['model-a'] });
    const b = await startMockInWorker({ profile: { rttMs: 0, ttftMs: 1, itlMs: 0 }, models: ['model-b'] });
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const models = await (await request(`${b.baseUrl}/models`)).body.json();
      expect(models).toMatchObject({ data: [{ id: 'model-b' }] });
      expect(await complete(a.baseUrl)).toBe(200);
      expect(await complete(a.baseUrl)).toBe(200);
      expect(await complete(b.baseUrl)).toBe(200);
      await a.anchor(); // restarts the fault clock; a no-op for a server without faults
    } finally {
      await a.close();
      await b.close();
    }
    // The counts arrive from the worker when each server closes.
    expect(a.completions).toBe(2);
    expect(b.completions).toBe(1);
    await a.close(); // closing twice is harmless
  });

  it('starts a fresh thread after the last server closed', async () => {
    const c = await startMockInWorker({ profile: { rttMs: 0, ttftMs: 1, itlMs: 0 } });
    try {
      expect(await complete(c.baseUrl)).toBe(200);
    } finally {
      await c.close();
    }
    expect(c.completions).toBe(1);
  });

  it('a server that cannot start rejects with the reason, and does not keep the thread alive', async () => {
    const a = await startMockInWorker({ profile: {} });
    try {
      await expect(startMockInWorker({ profile: {}, port: a.port })).rejects.toThrow(/embedded mock failed to start: .*EADDRINUSE/);
    } finally {
      await a.close();
    }
    // The host still works after a failed start.
    const b = await startMockInWorker({ profile: {} });
    await b.close();
  });
});
