import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import type { Arrival } from '../../src/load/arrival.js';
import { offsetsPacer } from '../../src/load/arrivals.js';
import { runOpenLoop } from '../../src/load/open-loop.js';
import { monotonicClock } from '../../src/metrics/clock.js';
import { serviceTtftMs, ttftMs, type RequestPhase, type RequestResult } from '../../src/metrics/request-result.js';
import type { GroupSummary } from '../../src/metrics/group-summary.js';
import type { RunDeps } from '../../src/runner/run-context.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { baselineBeside, fromBaseline, fromResult, pairedExcess } from '../support/baseline-client.js';
import { lagExcess, quantile, startBareTimer, type TimerTick } from '../support/bare-timer.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';
import { startMockServer } from '../../src/mock/server.js';

// The open loop against servers on loopback: it keeps its schedule whatever the server does, and
// says so in its numbers (response time from the schedule, service time from the send, queue
// wait, dispatch lag). These tests check the client's own timing, so vitest runs this file with
// nothing else running (the "timing" project); ramps, drops, traces and connection handling,
// which count rather than time, are in load-models.test.ts.

const tiny = { rttMs: 0, ttftMs: 2, itlMs: 1 };
const mockTarget = (name: string, mock: Record<string, unknown> = tiny) => ({ name, model: 'mock-model', mock });

const sum = (g: GroupSummary, k: 'requests' | 'dropped') => g.timeseries.reduce((n, p) => n + p[k], 0);

/**
 * runTimed runs a scenario on a clock that reads performance.now() from a known origin, with a
 * bare timer (test/support/bare-timer.ts) ticking every millisecond beside it in this process.
 */
async function runTimed(s: Scenario, deps: Partial<RunDeps> = {}) {
  const origin = performance.now();
  const clock = { now: () => performance.now() - origin, originEpochMs: Date.now() };
  const timer = startBareTimer(1);
  try {
    const run = await runCollecting(s, { clock, ...deps });
    return { ...run, origin, ticks: timer.stop() };
  } finally {
    timer.stop();
  }
}

/**
 * expectOnSchedule checks the open loop sent on time: as late as the machine and the event loop
 * let it be, and no later (the old bounds, "p50 < 1 ms" and "p99 < 10 ms or event-loop max + 5",
 * failed when a busy machine held the loop up). Each request's send is compared with the first
 * moment, after it was due, that a bare 1 ms timer in this process shows the loop turning over
 * promptly (lagExcess in test/support/bare-timer.ts); the excess is ≈ −0.5 ms when on time, and
 * stayed within ±0.5 ms with another test suite running beside this one.
 * - p50 ≤ 1 ms: a pacer or driver that waits before sending (e.g. 10 ms of client overhead before
 *   the send is stamped) is ≥ 9 ms over.
 * - p99 ≤ 5 ms: the generator's own occasional delays (an await every N arrivals) show in the tail.
 */
function expectOnSchedule(measured: readonly RequestResult[], ticks: readonly TimerTick[], origin: number): void {
  const excess = lagExcess(
    measured.map((r) => ({ due: origin + r.scheduledAtMs + r.queuedMs, lag: Math.max(0, r.sentAtMs - r.scheduledAtMs - r.queuedMs) })),
    ticks,
  );
  const why = `dispatch lag over a bare timer: p50 ${quantile(excess, 0.5).toFixed(3)} p99 ${quantile(excess, 0.99).toFixed(3)} max ${excess.at(-1)!.toFixed(3)} ms (${excess.length} paired)`;
  console.log(why);
  // The timer has a tick for every ms of the run, so every dispatch is compared.
  expect(excess.length, why).toBe(measured.length);
  expect(quantile(excess, 0.5), why).toBeLessThanOrEqual(1);
  expect(quantile(excess, 0.99), why).toBeLessThanOrEqual(5);
}

describe('open loop: fixed rate against the mock', () => {
  it('100/s for 3s sends exactly 300 requests, each at or after its slot, on a 10ms grid, no later than a bare client', async () => {
    const s = scenarioOf({ targets: [mockTarget('fixed')], load: { rate: 100, duration: '3s' } });
    // Two bare-client users stream from the same mock throughout (see test/support/baseline-client.ts).
    const bare = baselineBeside(startMockServer, { users: 2, maxTokens: 4, staggerMs: 3 });
    const { summary, measured, origin, ticks } = await runTimed(s, { startMock: bare.startMock });

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
    // Nothing queued, so response time and service time differ by the generator's own lag, exactly.
    for (const r of measured) expect(ttftMs(r)! - serviceTtftMs(r)!).toBeCloseTo(r.sentAtMs - r.scheduledAtMs, 6);
    expect(g.metrics.dispatchLag.count).toBe(300);
    expectOnSchedule(measured, ticks, origin);
    expect(summary.generator.dispatchLagMs.p99).toBe(g.metrics.dispatchLag.p99);
    // Never below the mock's injected TTFT; service time (from the send: the wait for the send is
    // the dispatch lag checked above) no later than a bare client's sending at the same moment
    // (paired, as in accuracy.test.ts); 10 ms of client overhead is an excess ≥ 10 ms.
    expect(g.metrics.ttft.p50).toBeGreaterThanOrEqual(2);
    expect(g.metrics.ttft.p50).toBeGreaterThanOrEqual(g.metrics.ttftService.p50);
    const excess = pairedExcess(
      measured.map((r) => fromResult(r, origin, 'send')),
      bare.samples().map(fromBaseline),
    );
    console.log(
      `open loop 100/s, service time over a bare client: TTFT ${excess.ttftMs.toFixed(2)}ms, E2E ${excess.e2eMs.toFixed(2)}ms (${excess.pairs} paired)`,
    );
    // Most requests have a bare request beside them (2 bare users send every few ms when idle,
    // every few tens of ms on a busy machine).
    expect(excess.pairs).toBeGreaterThanOrEqual(150);
    expect(excess.ttftMs).toBeLessThanOrEqual(5);
    expect(excess.e2eMs).toBeLessThanOrEqual(5);
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
    // 50 arrivals at 200/s are 245 ms of schedule; a run that ignored the count would take the
    // whole 10 s. Half of that is far beyond any noise (the old bound, 2 s, was not).
    expect(elapsedMs).toBeLessThan(5_000);
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
    // How long the held request was actually held (its timer may run late on a busy machine).
    let heldMs = 0;
    const stub = await startStubServer((_req, res) => {
      const now = performance.now();
      firstSeen ??= now;
      const from = firstSeen + STALL_FROM_MS;
      const until = from + STALL_MS;
      // Held only if the stall has more than a couple of ms left: a timer can fire a fraction of a
      // ms early, and the request sent right after the held one must not count as held too.
      if (now >= from && until - now > 2) {
        held++;
        setTimeout(() => {
          heldMs = performance.now() - now;
          streamCompletion(res, ['Hello', ' there']);
        }, until - now);
      } else streamCompletion(res, ['Hello', ' there']);
    });
    stubs.push(stub);

    const s = scenarioOf({
      targets: [{ name: 'stalling', model: 'stub-model', baseUrl: stub.baseUrl }],
      load: { rate: 50, duration: '4s', maxInFlight: 1, overflow: 'queue' },
    });
    const { summary, measured, origin, ticks } = await runTimed(s);
    const g = summary.groups[0]!;

    expect(summary.status).toBe('completed');
    // Queued, not dropped: every scheduled arrival is sent, late.
    expect(g.requests).toMatchObject({ total: 200, ok: 200, dropped: 0 });
    // With one request in flight, exactly one is held by the server.
    expect(held).toBe(1);
    // The arrivals due during the stall (≈ 50/s × 1s) waited for the slot...
    expect(g.requests.queued).toBeGreaterThanOrEqual(35);
    // ...and the ones due while the backlog drained, one request at a time: the slot was busy for
    // the stall as the stub actually held it plus the queued requests' own service times (both
    // longer on a busy machine; the old bound, 70, held only on a fast one). Beyond those, 25
    // arrivals (500 ms) of slack for the hand-overs between them (70 queued against 66 with two
    // suites side by side): a freed slot not handed to the queue at once adds ~20 ms per queued
    // request, and the queue would never drain.
    const drainMs = measured.filter((r) => r.queuedMs > 0).reduce((t, r) => t + (r.endAtMs - r.sentAtMs), 0);
    expect(g.requests.queued).toBeLessThanOrEqual(Math.ceil(((heldMs + drainMs) * 50) / 1_000) + 25);
    expect(g.metrics.queueWait.count).toBe(g.requests.queued);
    // ...the first of them for almost the whole stall: no longer than the stall as it actually
    // lasted (not as planned: the stub's timer is as late as the machine makes it), plus 100 ms.
    expect(g.metrics.queueWait.max).toBeGreaterThanOrEqual(800);
    expect(g.metrics.queueWait.max).toBeLessThanOrEqual(heldMs + 100);

    // Corrected (from the schedule): the stall is in the tail.
    expect(g.metrics.ttft.p99).toBeGreaterThanOrEqual(700);
    expect(g.metrics.e2e.p99).toBeGreaterThanOrEqual(700);
    // Uncorrected (from the send): one slow request in 200 does not reach p99. Bound: half the
    // stall. The stub answers at once, so only a stall of the machine 50× longer than the
    // request could reach it; service time counted from the schedule (a bug) puts p99 ≥ 700 ms.
    expect(g.metrics.ttftService.p99).toBeLessThan(STALL_MS / 2);
    expect(g.metrics.e2eService.p99).toBeLessThan(STALL_MS / 2);
    expect(g.metrics.ttftService.max).toBeGreaterThanOrEqual(800);

    // Per request: one slow service time, but dozens of slow response times.
    const slow = (f: (r: RequestResult) => number | null) => measured.filter((r) => (f(r) ?? 0) > 500).length;
    expect(slow(serviceTtftMs)).toBe(1);
    expect(slow(ttftMs)).toBeGreaterThanOrEqual(20);
    // The generator itself was never late: the wait is queueing, not dispatch lag.
    expectOnSchedule(measured, ticks, origin);
  });
});

describe('runOpenLoop with an in-memory issue', () => {
  // No network: `issue` resolves when the test says so, so in-flight caps are exact.
  it('overflow queue: arrivals wait for a slot first come, first served, each with its queue time', async () => {
    const sent: Arrival[] = [];
    const release: (() => void)[] = [];
    const loop = runOpenLoop({
      pacer: offsetsPacer([0, 5, 10, 15, 20, 25]),
      clock: monotonicClock(),
      stop: new AbortController().signal,
      maxInFlight: 2,
      overflow: 'queue',
      issue: (a) => {
        sent.push(a);
        return new Promise<void>((r) => release.push(r));
      },
      onDropped: () => {
        throw new Error('nothing may be dropped with overflow: queue');
      },
    });
    // The schedule ends at 25 ms; 200 ms is long enough that only a machine stalled for most of it
    // could find the loop not yet through it (the old 60 ms left 35 ms).
    await new Promise((r) => setTimeout(r, 200));
    // Two in flight, four queued.
    expect(sent).toHaveLength(2);
    expect(sent.map((a) => a.queuedMs)).toEqual([0, 0]);
    // Each freed slot goes to the oldest queued arrival, at once.
    for (let i = 0; i < 10 && release.length; i++) {
      release.shift()!();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await loop).toBe('schedule');
    expect(sent).toHaveLength(6);
    const scheduled = sent.map((a) => a.scheduledAtMs);
    expect(scheduled).toEqual([...scheduled].sort((a, b) => a - b));
    // Queue time runs from the schedule to the send: ≥ 200ms − offset for those that waited.
    for (const a of sent.slice(2)) expect(a.queuedMs).toBeGreaterThan(30);
  });

  // A stop after the pacer ran out still drops what is queued: no new requests after Ctrl-C.
  it('a stop after the schedule ended still sends nothing new: the queued arrivals are dropped', async () => {
    const stop = new AbortController();
    const sent: Arrival[] = [];
    const dropped: number[] = [];
    const release: (() => void)[] = [];
    const loop = runOpenLoop({
      pacer: offsetsPacer([0, 1, 2, 3]),
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
    // The schedule ends at 3ms; one arrival in flight, three queued (waiting 200 ms, not 30, so a
    // busy machine cannot leave the loop short of the schedule's end).
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    for (let i = 0; i < 10 && release.length; i++) {
      release.shift()!();
      await new Promise((r) => setTimeout(r, 5));
    }
    const reason = await loop;
    expect(sent).toHaveLength(1);
    expect(dropped).toHaveLength(3);
    expect(reason).toBe('interrupted');
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
    // 0–3 ms are due long before this; 10 s is not.
    await new Promise((r) => setTimeout(r, 200));
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
      pacer: offsetsPacer([0, 1, 2, 3, 4, 5, 200, 201]),
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
    // 0 and 1 are sent; 2 (warmup) and 3, 4, 5 (measured) dropped; 200 and 201 find free slots.
    expect(dropped).toEqual(['warmup', 'measure', 'measure', 'measure']);
  });
});
