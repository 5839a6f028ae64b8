import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { chatClient } from '../../src/client/chat-client.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { ttftMs, type RequestResult } from '../../src/metrics/request-result.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { runScenario } from '../../src/runner/run-scenario.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { chatCall, clientDeps, endpointAt } from '../support/chat-call.js';

// Accuracy: the mock injects a known latency on loopback, and what we report must match it.
// TTFT p50 carries the tight tolerance (within 2 ms of the injected value); loopback, the 1 ms
// timer granularity and JSON encoding are all the slack there is.
//
// The mock never sends a token before its time (src/mock/serving.ts `scheduler().at()` re-checks on wake), and
// the client's clock starts before the server's, so no measurement may fall below the injected value.
const MOCK_EARLY_MS = 0;

const TTFT_MS = 100;
const ITL_MS = 5;
const MAX_TOKENS = 10;
const CONCURRENCY = 8;
const REQUESTS = 40;
const E2E_MS = TTFT_MS + (MAX_TOKENS - 1) * ITL_MS;
const RTT_MS = 20;

describe('measurement accuracy against the mock', () => {
  const mocks: MockServer[] = [];
  // TTFTs of both runs below, kept for the strict check at the end.
  const samples = { direct: [] as number[], withRtt: [] as number[] };

  afterAll(async () => {
    await Promise.all(mocks.map((m) => m.close()));
  });

  it(`reports TTFT ${TTFT_MS}ms, ITL ${ITL_MS}ms and E2E ${E2E_MS}ms as injected (${CONCURRENCY} users × ${REQUESTS / CONCURRENCY} requests)`, async () => {
    const mock = await startMockServer({ profile: { rttMs: 0, ttftMs: TTFT_MS, itlMs: { dist: 'fixed', value: ITL_MS } } });
    mocks.push(mock);
    const deps = clientDeps();
    const hit = chatClient(endpointAt(mock.baseUrl, { target: 'fixed' }), deps);
    const recorder = new Recorder();
    const results: RequestResult[] = [];
    try {
      // Warm the connection pool first, so no TCP handshake lands inside a measured TTFT.
      // The recorder must leave these out of every metric.
      const warm = await Promise.all(Array.from({ length: CONCURRENCY }, () => hit(chatCall(deps, { phase: 'warmup', maxTokens: 2 }))));
      for (const r of warm) recorder.add(r);
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, user) => {
          // Stagger the users across one E2E so their tokens do not all fall due in the same
          // millisecond: 8 simultaneous events on one event loop measure queueing, not latency.
          await sleep((user * E2E_MS) / CONCURRENCY);
          for (let i = 0; i < REQUESTS / CONCURRENCY; i++) {
            const r = await hit(chatCall(deps, { maxTokens: MAX_TOKENS }));
            results.push(r);
            recorder.add(r);
          }
        }),
      );
    } finally {
      await deps.transport.close();
    }

    expect(results).toHaveLength(REQUESTS);
    for (const r of results) {
      expect(r.errorKind, r.errorMessage).toBeNull();
      expect(r.tokenSource).toBe('usage');
      expect(r.outputTokens).toBe(MAX_TOKENS);
      expect(r.contentDeltas).toBe(MAX_TOKENS);
      expect(r.itlMs).toHaveLength(MAX_TOKENS - 1);
      expect(r.finishReason).toBe('length');
      samples.direct.push(ttftMs(r)!);
    }
    expect(recorder.warmupRequests).toBe(CONCURRENCY);
    const g = summarizeGroup(recorder.groups.get('fixed')!);
    expect(g.requests).toMatchObject({ total: REQUESTS, ok: REQUESTS, failed: 0 });
    expect(g.tokens.output).toBe(REQUESTS * MAX_TOKENS);
    expect(g.tokens.source).toEqual({ usage: REQUESTS, counted: 0 });

    const { ttft, itl, e2e, tpot, headers } = g.metrics;
    expect(ttft.count).toBe(REQUESTS);
    expect(ttft.p50).toBeGreaterThanOrEqual(TTFT_MS - MOCK_EARLY_MS);
    expect(ttft.p50).toBeLessThanOrEqual(TTFT_MS + 2);
    expect(itl.count).toBe(REQUESTS * (MAX_TOKENS - 1));
    expect(Math.abs(itl.p50 - ITL_MS)).toBeLessThanOrEqual(1);
    expect(Math.abs(tpot.p50 - ITL_MS)).toBeLessThanOrEqual(1);
    expect(e2e.p50).toBeGreaterThanOrEqual(E2E_MS - MOCK_EARLY_MS);
    expect(e2e.p50).toBeLessThanOrEqual(E2E_MS + 4);
    expect(headers.p50).toBeLessThan(5);
  });

  it(`adds the round trip before headers to TTFT (rttMs ${RTT_MS} → TTFT ≈ ${TTFT_MS + RTT_MS}ms) through runScenario`, async () => {
    const v = validateScenario({
      name: 'accuracy-rtt',
      targets: [{ name: 'far', model: 'mock-model', mock: { rttMs: RTT_MS, ttftMs: TTFT_MS, itlMs: ITL_MS } }],
      workload: { promptTokens: 32, maxTokens: MAX_TOKENS },
      load: { concurrency: 4, requests: 24, warmup: 4 },
      timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const summary = await runScenario(v.scenario, {
      runId: 'accuracy-rtt',
      env: {},
      startMock: startMockServer,
      onResult: (r) => {
        if (r.phase === 'measure' && r.errorKind === null) samples.withRtt.push(ttftMs(r)!);
      },
    });
    expect(summary.status).toBe('completed');
    const g = summary.groups[0]!;
    expect(g.requests).toMatchObject({ total: 24, ok: 24 });
    expect(g.tokens.output).toBe(24 * MAX_TOKENS);
    const expected = RTT_MS + TTFT_MS;
    // Closed loop: the 4 users start together, so their events coincide; a little more slack above.
    expect(g.metrics.headers.p50).toBeGreaterThanOrEqual(RTT_MS - MOCK_EARLY_MS);
    expect(g.metrics.headers.p50).toBeLessThanOrEqual(RTT_MS + 4);
    expect(g.metrics.ttft.p50).toBeGreaterThanOrEqual(expected - MOCK_EARLY_MS);
    expect(g.metrics.ttft.p50).toBeLessThanOrEqual(expected + 3);
    expect(g.metrics.e2e.p50).toBeGreaterThanOrEqual(expected + E2E_MS - TTFT_MS - MOCK_EARLY_MS);
    expect(g.metrics.e2e.p50).toBeLessThanOrEqual(expected + E2E_MS - TTFT_MS + 5);
  });

  it('never measures a TTFT below the injected latency, and TTFT p50 ≥ injected', () => {
    expect(samples.direct).toHaveLength(REQUESTS);
    expect(samples.withRtt).toHaveLength(24);
    const p50 = [...samples.direct].sort((a, b) => a - b)[REQUESTS / 2 - 1]!;
    expect(Math.min(...samples.direct)).toBeGreaterThanOrEqual(TTFT_MS);
    expect(Math.min(...samples.withRtt)).toBeGreaterThanOrEqual(RTT_MS + TTFT_MS);
    expect(p50).toBeGreaterThanOrEqual(TTFT_MS);
  });
});
