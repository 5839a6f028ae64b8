import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { chatClient } from '../../src/client/chat-client.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { RequestResult } from '../../src/metrics/request-result.js';
import { summarizeGroup } from '../../src/metrics/summarize.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { runScenario } from '../../src/runner/run-scenario.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { chatCall, clientDeps, endpointAt } from '../support/chat-call.js';

// Accuracy: the mock injects a known latency on loopback, and what we report must match it.
// Only TTFT p50 carries the tight tolerance (≤ 2 ms of the injected value); loopback, timer
// granularity (1 ms) and JSON encoding are all the slack there is.

const TTFT_MS = 100;
const ITL_MS = 5;
const MAX_TOKENS = 10;
const CONCURRENCY = 8;
const REQUESTS = 40;
const E2E_MS = TTFT_MS + (MAX_TOKENS - 1) * ITL_MS;

describe('measurement accuracy against the mock', () => {
  const mocks: MockServer[] = [];
  afterAll(async () => {
    await Promise.all(mocks.map((m) => m.close()));
  });

  it(`reports TTFT ${TTFT_MS}ms, ITL ${ITL_MS}ms and E2E ${E2E_MS}ms as injected (${CONCURRENCY} × ${REQUESTS / CONCURRENCY} requests)`, async () => {
    const mock = await startMockServer({ profile: { rttMs: 0, ttftMs: TTFT_MS, itlMs: { dist: 'fixed', value: ITL_MS } } });
    mocks.push(mock);
    const deps = clientDeps();
    const hit = chatClient(endpointAt(mock.baseUrl, { target: 'fixed' }), deps);
    const recorder = new Recorder();
    const results: RequestResult[] = [];
    // Warm the connection pool first, so no handshake lands inside a measured TTFT.
    // The recorder must leave these out of every metric.
    const warm = await Promise.all(Array.from({ length: CONCURRENCY }, () => hit(chatCall(deps, { phase: 'warmup', maxTokens: 2 }))));
    for (const r of warm) recorder.add(r);
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, user) => {
          // Stagger the virtual users across one E2E, so their tokens do not all fall due in the same
          // millisecond: a burst of 8 simultaneous events on one event loop is queueing, not latency.
          await sleep((user * E2E_MS) / CONCURRENCY);
          for (let i = 0; i < REQUESTS / CONCURRENCY; i++) {
            const r = await hit(chatCall(deps, { maxTokens: MAX_TOKENS }));
            results.push(r);
            recorder.add(r);
          }
        }),
      );
    } finally {
      await deps.dispatcher.close();
    }

    expect(results).toHaveLength(REQUESTS);
    for (const r of results) {
      expect(r.errorKind, r.errorMessage).toBeNull();
      expect(r.tokenSource).toBe('usage');
      expect(r.outputTokens).toBe(MAX_TOKENS);
      expect(r.contentDeltas).toBe(MAX_TOKENS);
      expect(r.itlMs).toHaveLength(MAX_TOKENS - 1);
      expect(r.finishReason).toBe('length');
    }
    expect(recorder.warmupRequests).toBe(CONCURRENCY);
    const g = summarizeGroup(recorder.groups.get('fixed')!);
    expect(g.requests).toMatchObject({ total: REQUESTS, ok: REQUESTS, failed: 0 });
    expect(g.tokens.output).toBe(REQUESTS * MAX_TOKENS);
    expect(g.tokens.source).toEqual({ usage: REQUESTS, counted: 0 });

    const { ttft, itl, e2e, tpot, headers } = g.metrics;
    if (process.env.ACC_DEBUG) console.log(JSON.stringify(g.metrics));
    expect(ttft.count).toBe(REQUESTS);
    expect(ttft.p50).toBeGreaterThanOrEqual(TTFT_MS);
    expect(ttft.p50).toBeLessThanOrEqual(TTFT_MS + 2);
    // The mock's timers run on libuv's millisecond clock and may fire up to 1 ms before their due time.
    expect(ttft.min).toBeGreaterThanOrEqual(TTFT_MS - 1);
    expect(itl.count).toBe(REQUESTS * (MAX_TOKENS - 1));
    expect(Math.abs(itl.p50 - ITL_MS)).toBeLessThanOrEqual(1);
    expect(e2e.p50).toBeGreaterThanOrEqual(E2E_MS);
    expect(e2e.p50).toBeLessThanOrEqual(E2E_MS + 4);
    expect(Math.abs(tpot.p50 - ITL_MS)).toBeLessThanOrEqual(1);
    expect(headers.p50).toBeLessThan(5);
  });

  it('adds the round trip before headers to TTFT (rttMs 20 → TTFT ≈ 120ms) through runScenario', async () => {
    const v = validateScenario({
      name: 'accuracy-rtt',
      targets: [{ name: 'far', model: 'mock-model', mock: { rttMs: 20, ttftMs: TTFT_MS, itlMs: ITL_MS } }],
      workload: { promptTokens: 32, maxTokens: MAX_TOKENS },
      load: { concurrency: CONCURRENCY, requests: 24, warmup: CONCURRENCY },
      timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const summary = await runScenario(v.scenario, { runId: 'accuracy-rtt', env: {}, startMock: startMockServer });
    expect(summary.status).toBe('completed');
    const [g] = summary.groups;
    if (process.env.ACC_DEBUG) console.log(JSON.stringify(g!.metrics));
    expect(g!.requests).toMatchObject({ total: 24, ok: 24 });
    expect(g!.tokens.output).toBe(24 * MAX_TOKENS);
    expect(g!.metrics.headers.p50).toBeGreaterThanOrEqual(20);
    expect(g!.metrics.headers.p50).toBeLessThanOrEqual(22);
    expect(g!.metrics.ttft.p50).toBeGreaterThanOrEqual(120);
    expect(g!.metrics.ttft.p50).toBeLessThanOrEqual(122);
    expect(g!.metrics.e2e.p50).toBeGreaterThanOrEqual(120 + E2E_MS - TTFT_MS);
    expect(g!.metrics.e2e.p50).toBeLessThanOrEqual(120 + E2E_MS - TTFT_MS + 4);
  });
});
