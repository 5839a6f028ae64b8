import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBaseline, fromResult, pairedExcess, startBaselineLoop, type BaselineSample } from '../support/baseline-client.js';
import { ensureBuilt, startMockProcess, type MockProcess } from '../support/cli-process.js';
import { runCollecting, scenarioOf, type ScenarioRun } from '../support/scenario-run.js';

// Accuracy at scale: 256 concurrent streams against a mock with known latency. The mock runs as a
// separate process (`bakeoff mock`), so its token timers do not share the measuring event loop.
//
// Two kinds of bound, and no other:
// - Lower bounds against the injected latency: the mock never sends early, so TTFT ≥ 100 ms and
//   E2E ≥ 450 ms however busy the machine.
// - Upper bounds against a BASELINE: BARE_USERS users of a bare undici client
//   (test/support/baseline-client.ts) stream from the same mock process at the same moment, in
//   this process, beside llm-bakeoff's 256. Each llm-bakeoff request is compared with the bare
//   requests sent within ±PAIR_WINDOW_MS of it (pairedExcess), and the median of those excesses
//   is llm-bakeoff's own cost. Absolute numbers cannot be bounded: 256 streams on a 2-core
//   machine that is also running another test suite put +15..+600 ms on both clients' TTFT p50
//   (the old "p50 ≤ 103 ms" failed one run in two with the machine otherwise idle); paired with
//   bare requests of the same moment, the excess stayed within ±3 ms in most of those runs.

const TTFT_MS = 100;
// 50 ms between 8 tokens (not 20 ms between 16): 256 streams at 20 ms asked ~10k chunk reads a
// second of this process, which a 2-core machine running another test suite could not give it;
// saturated, both clients' latencies were queueing hundreds of ms deep and ordered by chance.
// The number of concurrent streams, what this test is about, is unchanged.
const ITL_MS = 50;
const MAX_TOKENS = 8;
const USERS = 256;
const REQUESTS = 768;
const E2E_MS = TTFT_MS + (MAX_TOKENS - 1) * ITL_MS;
const BARE_USERS = 64;
// Requests sent within ±50 ms of each other meet the same backlog: on a loaded machine it is
// hundreds of ms deep and changes over ~100 ms.
const PAIR_WINDOW_MS = 50;
// llm-bakeoff's TTFT, and its tail (last token → end of response), may exceed the bare client's
// (paired median) by at most this: half the 10 ms of client overhead this test exists to catch.
// Idle, the TTFT excess is ~1.2 ms with a standard error of ~0.4 ms; 10 ms of overhead makes it
// ~11.5 ms. The tail's excess stays within ±0.1 ms.
const OVERHEAD_MARGIN_MS = 5;
// ...plus 3 standard errors of the TTFT excess, as this run measured it (block bootstrap, see
// pairedExcess). When another test suite's 256 streams run at the same moment, this process's
// event loop is saturated, every latency is queueing 50–600 ms deep, and which client's chunk is
// read first is chance: the excess then wandered ±10 ms over runs with no bug at all, and the
// run's own standard error said so (1–3 ms). Idle, 3 SE is ~1.2 ms and the bound stays ≈ 6 ms,
// well under a 10 ms overhead; only a run too noisy to resolve 10 ms is given the room its noise
// needs (accuracy.test.ts, at 8 users, keeps a fixed 5 ms on every run).
const SE_ALLOWANCE = 3;
// Mean gap between tokens, per request, paired the same way: a gap measured from the wrong token
// or event moves it by a whole ITL (50 ms); on a loaded machine the two clients' means stayed
// within ±1.5 ms. A fifth of an ITL.
const ITL_MARGIN_MS = ITL_MS / 5;
// E2E = TTFT + the gaps + the tail, each bounded here. E2E itself is not compared: a 450 ms stream
// on a loaded machine ends in a different backlog than it began in, so requests paired at their
// start differ at their end by tens of ms either way (seen −14..+8 ms).

describe(`measurement accuracy at ${USERS} concurrent streams (mock in its own process)`, () => {
  let mock: MockProcess | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    await ensureBuilt();
    mock = await startMockProcess({ ttftMs: TTFT_MS, itlMs: ITL_MS }, 60_000);
    baseUrl = mock.baseUrl;
  }, 130_000);

  afterAll(async () => {
    await mock?.stop();
  });

  it(`TTFT ${TTFT_MS}ms, ITL ${ITL_MS}ms, E2E ${E2E_MS}ms as injected, no later than a bare client beside it (${USERS} users × ${REQUESTS / USERS} requests)`, async () => {
    // The run's clock reads performance.now() from a known origin, so its times and the bare client's compare.
    const origin = performance.now();
    const clock = { now: () => performance.now() - origin, originEpochMs: Date.now() };
    // The bare client's users are staggered over one E2E, as llm-bakeoff's ramp spreads its users.
    const bare = startBaselineLoop({ baseUrl, users: BARE_USERS, maxTokens: MAX_TOKENS, staggerMs: E2E_MS / BARE_USERS });
    let run: ScenarioRun;
    let bareSamples: BaselineSample[];
    try {
      run = await runCollecting(
        scenarioOf({
          name: 'accuracy-256',
          targets: [{ name: 'mock-process', model: 'mock-model', baseUrl }],
          workload: { promptTokens: 16, maxTokens: MAX_TOKENS },
          // 256 users, ramped in over one E2E so their requests spread over the cycle (as a real
          // population's would) instead of 256 first tokens falling due in the same millisecond: a
          // synchronized burst measures queueing on one event loop, not latency. The first 512
          // requests are warmup: they open the 256 connections and cover the ramp, so no handshake
          // and no ramp transient lands in a measured TTFT. A count, not a time (it was 1 s): on
          // a loaded machine a request took 780 ms and 1 s covered only 205 users' first ones. No
          // user can send a third request before the last one sends its first (the ramp takes one
          // E2E, a request at least one E2E). Then 3 requests per user are measured.
          load: {
            stages: [
              { duration: `${E2E_MS}ms`, concurrency: USERS },
              { duration: '20s', concurrency: USERS },
            ],
            warmup: 2 * USERS,
            requests: REQUESTS,
          },
        }),
        { clock },
      );
    } finally {
      bareSamples = await bare.stop();
    }
    const { summary, measured } = run;
    const g = summary.groups[0]!;

    expect(summary.status).toBe('completed');
    expect(summary.stopReason).toBe('request count reached');
    expect(summary.warmupRequests).toBe(2 * USERS);
    expect(g.requests).toMatchObject({ total: REQUESTS, ok: REQUESTS, failed: 0 });
    // Every connection was opened during warmup.
    expect(g.requests.newConnections).toBe(0);
    expect(g.tokens.output).toBe(REQUESTS * MAX_TOKENS);
    // Every gap is either timed (itlMs) or counted as read together with the token before it.
    for (const r of measured) expect(r.itlMs.length + r.coalescedGaps).toBe(MAX_TOKENS - 1);
    for (const s of bareSamples) expect(s.contentDeltas).toBe(MAX_TOKENS);

    const { ttft, itl, e2e } = g.metrics;
    const mine = measured.map((r) => fromResult(r, origin));
    const theirs = bareSamples.map(fromBaseline);
    const excess = pairedExcess(mine, theirs, PAIR_WINDOW_MS);
    // The tail, paired by when the responses ended.
    const atEnd = pairedExcess(mine, theirs, PAIR_WINDOW_MS, 'end');
    const f2 = (x: number) => x.toFixed(2);
    console.log(
      `accuracy @${USERS} streams: TTFT p50 ${f2(ttft.p50)}ms (error +${f2(ttft.p50 - TTFT_MS)}ms), p99 ${f2(ttft.p99)}ms; ITL p50 ${f2(itl.p50)}ms; E2E p50 ${f2(e2e.p50)}ms; ` +
        `over a bare client at the same moment: TTFT ${f2(excess.ttftMs)}ms ± ${f2(excess.se.ttftMs)}, mean ITL ${f2(excess.itlMeanMs)}ms (${excess.pairs} requests paired), ` +
        `tail ${f2(atEnd.tailMs)}ms (${atEnd.pairs} paired at their end); E2E paired at start ${f2(excess.e2eMs)}ms, not bounded`,
    );

    // The mock never sends early, so no measurement may fall below the injected value.
    expect(ttft.min).toBeGreaterThanOrEqual(TTFT_MS);
    expect(e2e.min).toBeGreaterThanOrEqual(E2E_MS);
    // Requests with bare requests beside them: all of them when idle (64 bare users send one
    // request every ~7 ms), fewer on a loaded machine, where both clients send in bursts. An
    // eighth is still enough for a median; its standard error says how good.
    expect(excess.pairs).toBeGreaterThanOrEqual(REQUESTS / 8);
    expect(excess.ttftMs).toBeLessThanOrEqual(OVERHEAD_MARGIN_MS + SE_ALLOWANCE * excess.se.ttftMs);
    expect(Math.abs(excess.itlMeanMs)).toBeLessThanOrEqual(ITL_MARGIN_MS);
    expect(atEnd.pairs).toBeGreaterThanOrEqual(REQUESTS / 8);
    expect(atEnd.tailMs).toBeLessThanOrEqual(OVERHEAD_MARGIN_MS);
  }, 60_000);
});
