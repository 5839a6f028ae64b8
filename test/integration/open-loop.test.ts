import { lookup } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arrival } from '../../src/load/arrival.js';
import { offsetsPacer } from '../../src/load/arrivals.js';
import { runOpenLoop } from '../../src/load/open-loop.js';
import { monotonicClock } from '../../src/metrics/clock.js';
import { serviceTtftMs, ttftMs, type RequestPhase, type RequestResult } from '../../src/metrics/request-result.js';
import type { GroupSummary } from '../../src/metrics/run-summary.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { loadTrace } from '../../src/workload/trace.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// The load models against servers on loopback: the open loop keeps its schedule whatever the
// server does (and says so in its numbers), ramps follow their integral, traces replay their
// offsets, and connection handling is attributed per request.

const tiny = { rttMs: 0, ttftMs: 2, itlMs: 1 };
const mockTarget = (name: string, mock: Record<string, unknown> = tiny) => ({ name, model: 'mock-model', mock });

/** maxOverlap is the most requests in flight at once, from each result's send → end interval. */
function maxOverlap(rs: readonly RequestResult[], from = -Infinity, to = Infinity): number {
  const events = rs.flatMap((r) => [
    [r.sentAtMs, 1],
    [r.endAtMs, -1],
  ] as const);
  // Ends sort before starts at the same instant: a user's next request starts when its last ends.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [t, d] of events) {
    now += d;
    if (t >= from && t < to) max = Math.max(max, now);
  }
  return max;
}

const sum = (g: GroupSummary, k: 'requests' | 'dropped') => g.timeseries.reduce((n, p) => n + p[k], 0);

describe('open loop: fixed rate against the mock', () => {
  it('100/s for 3s sends exactly 300 requests, each at or after its slot, on a 10ms grid', async () => {
    const s = scenarioOf({ targets: [mockTarget('fixed')], load: { rate: 100, duration: '3s' } });
    const { summary, measured } = await runCollecting(s);

    expect(summary.status).toBe('completed');
    expect(summary.loadModel).toBe('open');
    expect(summary.stopReason).toBe('load schedule complete');
    const g = summary.groups[0]!;
    // The issue asks for the achieved count within 1% of rate × duration; the schedule is exact.
    expect(Math.abs(g.requests.total - 300)).toBeLessThanOrEqual(3);
    expect(g.requests.total).toBe(300);
    expect(g.requests).toMatchObject({ ok: 300, failed: 0, dropped: 0, queued: 0 });
    expect(measured).toHaveLength(300);

    const sched = measured.map((r) => r.scheduledAtMs).sort((a, b) => a - b);
    // Scheduled times come from the pacer: the last arrival is 299 gaps of 10ms after the first.
    expect(sched.at(-1)! - sched[0]!).toBeCloseTo(2_990, 6);
    for (let i = 1; i < sched.length; i++) expect(sched[i]! - sched[i - 1]!).toBeCloseTo(10, 6);
    for (const r of measured) {
      expect(r.errorKind, r.errorMessage).toBeNull();
      // Never early: an open loop that sends before the slot inflates the rate and shortens latencies.
      expect(r.sentAtMs).toBeGreaterThanOrEqual(r.scheduledAtMs);
      expect(r.queuedMs).toBe(0);
    }
    // Nothing queued, so response time and service time differ only by the generator's own lag.
    expect(g.metrics.dispatchLag.count).toBe(300);
    expect(g.metrics.dispatchLag.p99).toBeLessThan(10);
    expect(summary.generator.dispatchLagMs.p99).toBeLessThan(10);
    expect(g.metrics.ttft.p50).toBeGreaterThanOrEqual(2);
    expect(g.metrics.ttft.p50 - g.metrics.ttftService.p50).toBeLessThan(2);
    expect(g.metrics.queueWait.count).toBe(0);
    // The per-second series covers every measured request once.
    expect(sum(g, 'requests')).toBe(300);
    expect(g.timeseries.length).toBeGreaterThanOrEqual(3);
  });

  it('a request count ends an open loop early: rate 200/s, requests 50', async () => {
    const s = scenarioOf({ targets: [mockTarget('capped')], load: { rate: 200, duration: '10s', requests: 50 } });
    const { summary, measured, elapsedMs } = await runCollecting(s);
    expect(summary.stopReason).toBe('request count reached');
    expect(summary.groups[0]!.requests.total).toBe(50);
    expect(measured).toHaveLength(50);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('a warmup duration takes the first part of the schedule: 100/s, warmup 300ms, duration 500ms', async () => {
    const s = scenarioOf({ targets: [mockTarget('warm')], load: { rate: 100, duration: '500ms', warmup: '300ms' } });
    const { summary, results, measured } = await runCollecting(s);
    expect(summary.warmupRequests).toBe(30);
    expect(measured).toHaveLength(50);
    const lastWarmup = Math.max(...results.filter((r) => r.phase === 'warmup').map((r) => r.scheduledAtMs));
    const firstMeasured = Math.min(...measured.map((r) => r.scheduledAtMs));
    expect(firstMeasured - lastWarmup).toBeCloseTo(10, 6);
  });
});

describe('open loop: coordinated omission', () => {
  const stubs: StubServer[] = [];
  afterAll(async () => {
    await Promise.all(stubs.map((s) => s.close()));
  });

  // Why this is the coordinated-omission demonstration: the server stalls for one second. With
  // maxInFlight 1, a naive load generator (or a closed loop) would simply not send during the
  // stall — it "coordinates" with the server — and record one slow request among hundreds of fast
  // ones: its p99 says the stall never happened. The open loop keeps the schedule: the ~50
  // arrivals due during the stall wait (queue) and, once sent, are served fast, so their *service*
  // time (from the actual send, what the naive tool measures) looks fine; but a user arriving at
  // that moment would have waited, and the *response* time (from the scheduled arrival, wrk2's
  // correction) shows it. Both are reported; only the corrected one tells the truth about the stall.
  it('a 1s server stall: response-time TTFT p99 shows it, service-time TTFT p99 does not', async () => {
    const STALL_FROM_MS = 1_500;
    const STALL_MS = 1_000;
    let firstSeen: number | null = null;
    let held = 0;
    const stub = await startStubServer((_req, res) => {
      const now = performance.now();
      firstSeen ??= now;
      const from = firstSeen + STALL_FROM_MS;
      const until = from + STALL_MS;
      // Held only if the stall has more than a couple of ms left: a timer can fire a fraction of a
      // ms early, and the request sent right after the held one must not count as held too.
      if (now >= from && until - now > 2) {
        held++;
        setTimeout(() => streamCompletion(res, ['Hello', ' there']), until - now);
      } else streamCompletion(res, ['Hello', ' there']);
    });
    stubs.push(stub);

    const s = scenarioOf({
      targets: [{ name: 'stalling', model: 'stub-model', baseUrl: stub.baseUrl }],
      load: { rate: 50, duration: '4s', maxInFlight: 1, overflow: 'queue' },
    });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;

    expect(summary.status).toBe('completed');
    // Queued, not dropped: every scheduled arrival is sent, late.
    expect(g.requests).toMatchObject({ total: 200, ok: 200, dropped: 0 });
    // With one request in flight, exactly one is held by the server.
    expect(held).toBe(1);
    // The arrivals due during the stall (≈ 50/s × 1s) waited for the slot...
    expect(g.requests.queued).toBeGreaterThanOrEqual(35);
    expect(g.requests.queued).toBeLessThanOrEqual(70);
    expect(g.metrics.queueWait.count).toBe(g.requests.queued);
    // ...the first of them for almost the whole stall.
    expect(g.metrics.queueWait.max).toBeGreaterThanOrEqual(800);
    expect(g.metrics.queueWait.max).toBeLessThanOrEqual(STALL_MS + 100);

    // Corrected (from the schedule): the stall is in the tail.
    expect(g.metrics.ttft.p99).toBeGreaterThanOrEqual(700);
    expect(g.metrics.e2e.p99).toBeGreaterThanOrEqual(700);
    // Uncorrected (from the send): one slow request in 200 does not reach p99.
    expect(g.metrics.ttftService.p99).toBeLessThan(100);
    expect(g.metrics.e2eService.p99).toBeLessThan(100);
    expect(g.metrics.ttftService.max).toBeGreaterThanOrEqual(800);

    // Per request: one slow service time, but dozens of slow response times.
    const slow = (f: (r: RequestResult) => number | null) => measured.filter((r) => (f(r) ?? 0) > 500).length;
    expect(slow(serviceTtftMs)).toBe(1);
    expect(slow(ttftMs)).toBeGreaterThanOrEqual(20);
    // The generator itself was never late: the wait is queueing, not dispatch lag.
    expect(g.metrics.dispatchLag.p99).toBeLessThan(10);
  });
});

describe('open loop: dropped arrivals', () => {
  it('rate 40/s, maxInFlight 2, overflow drop against a 500ms-TTFT mock: dropped + sent = scheduled', async () => {
    const s = scenarioOf({
      targets: [mockTarget('slow', { rttMs: 0, ttftMs: 500, itlMs: 1 })],
      load: { rate: 40, duration: '2s', maxInFlight: 2, overflow: 'drop' },
    });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;

    expect(summary.status).toBe('completed');
    expect(g.requests.dropped).toBeGreaterThan(0);
    // Every one of the 80 scheduled arrivals is either sent (and ends) or dropped, never lost.
    expect(Math.abs(g.requests.dropped + g.requests.total - 80)).toBeLessThanOrEqual(1);
    expect(g.requests.dropped + g.requests.total).toBe(80);
    // Two slots, ~0.5s per request, 2s of schedule: about 8 sent.
    expect(g.requests.total).toBeGreaterThanOrEqual(4);
    expect(g.requests.total).toBeLessThanOrEqual(12);
    expect(g.requests.ok).toBe(g.requests.total);
    expect(g.requests.queued).toBe(0);
    expect(maxOverlap(measured)).toBeLessThanOrEqual(2);

    // The per-second series counts the same drops (by scheduled second), each second once.
    expect(sum(g, 'dropped')).toBe(g.requests.dropped);
    expect(sum(g, 'requests')).toBe(g.requests.total);
    const seconds = g.timeseries.map((p) => p.second);
    expect(seconds).toEqual([...new Set(seconds)].sort((a, b) => a - b));
  });
});

describe('ramps', () => {
  it('open loop: rate 0→40/s over 2s then 40/s for 1s → 80 arrivals, thin at first', async () => {
    const s = scenarioOf({
      targets: [mockTarget('ramp')],
      load: { stages: [{ duration: '2s', rate: 40 }, { duration: '1s', rate: 40 }] },
    });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(summary.stopReason).toBe('load schedule complete');
    expect(Math.abs(g.requests.total - 80)).toBeLessThanOrEqual(2);
    const t0 = Math.min(...measured.map((r) => r.scheduledAtMs));
    const inSecond = (k: number) => measured.filter((r) => r.scheduledAtMs - t0 >= k * 1_000 && r.scheduledAtMs - t0 < (k + 1) * 1_000).length;
    // ∫ rate over each second: 10, 30, 40.
    expect(Math.abs(inSecond(0) - 10)).toBeLessThanOrEqual(1);
    expect(Math.abs(inSecond(1) - 30)).toBeLessThanOrEqual(1);
    expect(Math.abs(inSecond(2) - 40)).toBeLessThanOrEqual(1);
    for (const r of measured) expect(r.sentAtMs).toBeGreaterThanOrEqual(r.scheduledAtMs);
  });

  it('closed loop: users 1→8 over 1.5s, then 8 for 1s, against a 50ms mock', async () => {
    const s = scenarioOf({
      targets: [mockTarget('users', { rttMs: 0, ttftMs: 50, itlMs: 1 })],
      load: { concurrency: 1, stages: [{ duration: '1500ms', concurrency: 8 }, { duration: '1s', concurrency: 8 }] },
    });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(summary.status).toBe('completed');
    expect(summary.loadModel).toBe('closed');
    expect(summary.stopReason).toBe('load schedule complete');
    // One user doing ~53ms requests for 2.5s would finish < 50; the ramp averages ~6 users.
    expect(g.requests.total).toBeGreaterThan(2 * 50);
    expect(g.requests.failed).toBe(0);
    const t0 = Math.min(...measured.map((r) => r.scheduledAtMs));
    // Users are added as the ramp goes: few at first, 8 (never more) once it holds.
    expect(maxOverlap(measured, t0, t0 + 200)).toBeLessThanOrEqual(2);
    expect(maxOverlap(measured, t0 + 1_600, t0 + 2_400)).toBe(8);
    expect(maxOverlap(measured)).toBeLessThanOrEqual(8);
    // Closed loop: the schedule is the send time (but for the generator's own lag).
    expect(g.metrics.dispatchLag.p50).toBeLessThan(1);
    expect(g.requests.queued).toBe(0);
  });
});

describe('trace replay', () => {
  let dir: string;
  let tracePath: string;
  const ENTRIES = 30;
  const GAP_MS = 50;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-replay-'));
    tracePath = join(dir, 'trace.jsonl');
    const lines = Array.from({ length: ENTRIES }, (_, i) => JSON.stringify({ offsetMs: 1_000 + i * GAP_MS, inputTokens: 20, maxTokens: 3 }));
    await writeFile(tracePath, ['# 30 arrivals, 50ms apart', ...lines].join('\n') + '\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const loaded = async () => {
    const t = await loadTrace(tracePath);
    if (!t.ok) throw new Error(JSON.stringify(t.problems));
    return t.entries;
  };

  it.each([
    [1, (ENTRIES - 1) * GAP_MS],
    [0.5, ((ENTRIES - 1) * GAP_MS) / 2],
  ])('timeScale %s: every arrival replayed, first → last scheduled %dms apart', async (timeScale, spreadMs) => {
    const trace = await loaded();
    expect(trace[0]!.offsetMs).toBe(0);
    const s = scenarioOf({ targets: [mockTarget('replay')], load: { trace: { file: tracePath, timeScale } } });
    const { summary, measured } = await runCollecting(s, { trace });
    const g = summary.groups[0]!;
    expect(summary.loadModel).toBe('trace');
    expect(summary.stopReason).toBe('load schedule complete');
    expect(g.requests).toMatchObject({ total: ENTRIES, ok: ENTRIES });
    const sched = measured.map((r) => r.scheduledAtMs).sort((a, b) => a - b);
    expect(Math.abs(sched.at(-1)! - sched[0]! - spreadMs)).toBeLessThanOrEqual(30);
    for (let i = 1; i < sched.length; i++) expect(sched[i]! - sched[i - 1]!).toBeCloseTo(GAP_MS * timeScale, 6);
    // Each request is the trace's: 20 prompt tokens (synthesised exactly), 3 tokens asked for.
    for (const r of measured) {
      expect(r.sentAtMs).toBeGreaterThanOrEqual(r.scheduledAtMs);
      expect(r.outputTokens).toBe(3);
      expect(r.inputTokens).toBe(20);
    }
  });

  // BUG (src/load/load-model.ts runLoad + src/scenario/validate.ts loadProblems): `load.duration`
  // is accepted beside `trace` and `validate` plans "stop at the end of the trace or after 500ms",
  // but runLoad never passes a duration to the trace's open loop, so the whole trace is replayed
  // (30 requests over 1.45s instead of ~10 over 0.5s). Either honour it or reject it.
  it.fails('a trace with duration 500ms stops after 500ms, as validate’s plan says', async () => {
    const trace = await loaded();
    const s = scenarioOf({ targets: [mockTarget('replay-capped')], load: { trace: { file: tracePath }, duration: '500ms' } });
    const { summary } = await runCollecting(s, { trace });
    expect(summary.groups[0]!.requests.total).toBeLessThanOrEqual(11);
    expect(summary.stopReason).toBe('duration reached');
  });
});

describe('connection handling', () => {
  const mocks: MockServer[] = [];
  afterAll(async () => {
    await Promise.all(mocks.map((m) => m.close()));
  });

  it('reuse: 2 users × 10 requests open exactly 2 connections, timed once each', async () => {
    const s = scenarioOf({ targets: [mockTarget('reuse')], load: { concurrency: 2, requests: 20 }, connection: 'reuse' });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(g.requests.total).toBe(20);
    expect(g.requests.newConnections).toBe(2);
    expect(g.metrics.tcp.count).toBe(g.requests.newConnections);
    // An IP literal needs no lookup, plain http no TLS.
    expect(g.metrics.dns.count).toBe(0);
    expect(g.metrics.tls.count).toBe(0);
    expect(measured.filter((r) => r.connection === 'new')).toHaveLength(2);
    expect(measured.filter((r) => r.connection === 'reused')).toHaveLength(18);
    for (const r of measured) {
      if (r.connection === 'new') expect(r.tcpMs).toBeGreaterThanOrEqual(0);
      else expect([r.dnsMs, r.tcpMs, r.tlsMs]).toEqual([null, null, null]);
    }
  });

  it('fresh: every request opens (and times) its own connection', async () => {
    const s = scenarioOf({ targets: [mockTarget('fresh')], load: { concurrency: 2, requests: 20 }, connection: 'fresh' });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(g.requests.total).toBe(20);
    expect(g.requests.newConnections).toBe(20);
    expect(g.metrics.tcp.count).toBe(20);
    for (const r of measured) {
      expect(r.connection).toBe('new');
      expect(r.tcpMs).not.toBeNull();
      expect(r.dnsMs).toBeNull();
      expect(r.tlsMs).toBeNull();
    }
  });

  it('a host name is looked up: dnsMs is set for new connections to localhost', async (ctx) => {
    let address: string;
    try {
      ({ address } = await lookup('localhost'));
    } catch {
      ctx.skip();
      return;
    }
    const mock = await startMockServer({ profile: tiny, host: address });
    mocks.push(mock);
    const s = scenarioOf({
      targets: [{ name: 'named', model: 'mock-model', baseUrl: `http://localhost:${mock.port}/v1` }],
      load: { concurrency: 2, requests: 6 },
      connection: 'fresh',
    });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(g.requests).toMatchObject({ total: 6, ok: 6, newConnections: 6 });
    expect(g.metrics.dns.count).toBe(6);
    for (const r of measured) {
      expect(r.dnsMs).not.toBeNull();
      expect(r.dnsMs!).toBeGreaterThanOrEqual(0);
      expect(r.tcpMs).not.toBeNull();
    }
  });
});

describe('runOpenLoop with an in-memory issue', () => {
  // No network: `issue` resolves when the test says so, so in-flight caps are exact.
  it('overflow queue: arrivals wait for the slot in order, and an interrupt drops the ones still queued', async () => {
    const stop = new AbortController();
    const sent: Arrival[] = [];
    const dropped: { phase: RequestPhase; scheduledAtMs: number }[] = [];
    const release: (() => void)[] = [];
    const loop = runOpenLoop({
      pacer: offsetsPacer([0, 5, 10, 15, 20, 25]),
      clock: monotonicClock(),
      stop: stop.signal,
      maxInFlight: 2,
      overflow: 'queue',
      issue: (a) => {
        sent.push(a);
        return new Promise<void>((r) => release.push(r));
      },
      onDropped: (phase, scheduledAtMs) => dropped.push({ phase, scheduledAtMs }),
    });
    await new Promise((r) => setTimeout(r, 60));
    // Two in flight, four queued.
    expect(sent).toHaveLength(2);
    expect(sent.map((a) => a.queuedMs)).toEqual([0, 0]);
    release.shift()!();
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toHaveLength(3);
    expect(sent[2]!.queuedMs).toBeGreaterThan(20);
    stop.abort();
    // The schedule already ended; nothing queued is lost: the remaining three are still sent.
    for (let i = 0; i < 10 && release.length; i++) {
      release.shift()!();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await loop).toBe('schedule');
    expect(sent).toHaveLength(6);
    expect(dropped).toEqual([]);
    const scheduled = sent.map((a) => a.scheduledAtMs);
    expect(scheduled).toEqual([...scheduled].sort((a, b) => a - b));
  });

  it('an interrupt during the schedule drops what is queued and sends nothing more', async () => {
    const stop = new AbortController();
    const sent: Arrival[] = [];
    const dropped: number[] = [];
    const release: (() => void)[] = [];
    const loop = runOpenLoop({
      pacer: offsetsPacer([0, 1, 2, 3, 10_000]),
      clock: monotonicClock(),
      stop: stop.signal,
      maxInFlight: 1,
      overflow: 'queue',
      issue: (a) => {
        sent.push(a);
        return new Promise<void>((r) => release.push(r));
      },
      onDropped: (_phase, at) => dropped.push(at),
    });
    await new Promise((r) => setTimeout(r, 30));
    stop.abort();
    await new Promise((r) => setTimeout(r, 5));
    release.shift()!();
    expect(await loop).toBe('interrupted');
    expect(sent).toHaveLength(1);
    expect(dropped).toHaveLength(3);
  });

  it('overflow drop: at the cap, arrivals are counted as dropped, with their phase', async () => {
    const dropped: RequestPhase[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const reason = await runOpenLoop({
      pacer: offsetsPacer([0, 1, 2, 3, 4, 5, 40, 41]),
      clock: monotonicClock(),
      stop: new AbortController().signal,
      maxInFlight: 2,
      overflow: 'drop',
      warmupRequests: 3,
      issue: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
      },
      onDropped: (phase) => dropped.push(phase),
    });
    expect(reason).toBe('schedule');
    expect(maxInFlight).toBe(2);
    // 0 and 1 are sent; 2 (warmup) and 3, 4, 5 (measured) dropped; 40 and 41 find free slots.
    expect(dropped).toEqual(['warmup', 'measure', 'measure', 'measure']);
  });
});
