import { describe, expect, it } from 'vitest';
import { ClockProbe } from '../../src/client/clock-probe.js';
import { constantRate, dealt, offsetsPacer, ratePacer, type Pacer } from '../../src/load/arrivals.js';
import type { GeneratorHealth } from '../../src/metrics/generator-health.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { prng } from '../../src/random/prng.js';
import { budgetShare, globalArrival, parseShare, shareCount } from '../../src/scenario/share.js';
import { mergeRuns, MergeProblem, type MergeInput } from '../../src/summary/merge-runs.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { summarizeRun } from '../../src/summary/summarize-run.js';
import { LATENCY_METRICS } from '../../src/scenario/metric-names.js';
import { workersFor } from '../../src/runner/workers.js';
import { breakerStateAt } from '../../src/failover/circuit-breaker.js';
import { scenarioOf } from '../support/scenario-run.js';

describe('share: the load split by arrival', () => {
  it.each([
    // total, count, offset → each share's part
    [10, 3, 0, [4, 3, 3]],
    [10, 3, 5, [3, 3, 4]], // arrivals 5..14 by residue: 6,9,12 | 7,10,13 | 5,8,11,14
    [1, 2, 0, [1, 0]],
    [0, 4, 0, [0, 0, 0, 0]],
    [301, 2, 5, [150, 151]],
    [8, 8, 0, [1, 1, 1, 1, 1, 1, 1, 1]],
  ])('%i arrivals over %i shares from arrival %i: %j, adding up to the total', (total, count, offset, parts) => {
    const got = Array.from({ length: count }, (_, index) => shareCount(total, { index, count }, offset));
    expect(got).toEqual(parts);
    expect(got.reduce((a, b) => a + b, 0)).toBe(total);
    // Brute force: the arrivals k in [offset, offset + total) with k mod count = index.
    for (let index = 0; index < count; index++)
      expect(got[index]).toBe(Array.from({ length: total }, (_, i) => offset + i).filter((k) => k % count === index).length);
  });

  it.each([
    ['0/2', { index: 0, count: 2 }],
    ['3/4', { index: 3, count: 4 }],
    [' 1 / 3 ', { index: 1, count: 3 }],
  ])('parses %j', (text, share) => expect(parseShare(text)).toEqual({ ok: true, share }));

  it.each([
    ['2/2', /below n/],
    ['1', /not a shard/],
    ['-1/2', /not a shard/],
    ['0/0', /at least 1/],
  ])('refuses %j, saying what to write', (text, msg) => {
    const r = parseShare(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(msg);
  });

  it("a part's budget: its share of each cap, the parts together never above it", () => {
    const b = { maxUsd: 9, maxRequests: 10, maxTokens: 1000, confirmAboveUsd: 5 };
    const parts = [0, 1, 2].map((index) => budgetShare(b, { index, count: 3 }));
    expect(parts.map((p) => p.maxRequests)).toEqual([4, 3, 3]);
    expect(parts.reduce((n, p) => n + p.maxUsd!, 0)).toBeCloseTo(9, 9);
    expect(parts.reduce((n, p) => n + p.maxTokens!, 0)).toBe(1000);
    expect(budgetShare(b, undefined)).toBe(b);
  });

  it('local arrival j of share i/n is arrival i + n·j of the whole load', () => {
    expect([0, 1, 2].map((j) => globalArrival({ index: 1, count: 3 }, j))).toEqual([1, 4, 7]);
    expect(globalArrival(undefined, 5)).toBe(5);
  });

  const drain = (p: Pacer, max = 10_000) => {
    const out: number[] = [];
    for (let t = p.next(); t !== null && out.length < max; t = p.next()) out.push(t);
    return out;
  };
  it.each([
    ['constant 50/s for 2 s', () => ratePacer(50, constantRate(50, 2000), { poisson: false })],
    ['poisson 80/s for 2 s', () => ratePacer(80, [{ durationMs: 2000, targetPerSec: 80 }], { poisson: true, rng: prng(9) })],
    ['a ramp 10 → 100/s', () => ratePacer(10, [{ durationMs: 3000, targetPerSec: 100 }], { poisson: false })],
    ['a trace', () => offsetsPacer([0, 3, 3, 10, 42, 43, 100, 250])],
  ])('%s: the shares of a schedule together are the schedule, arrival for arrival', (_, make) => {
    const whole = drain(make());
    for (const count of [2, 3]) {
      const shares = Array.from({ length: count }, (_, index) => drain(dealt(make(), { index, count })));
      expect(shares.flat().sort((a, b) => a - b)).toEqual([...whole].sort((a, b) => a - b));
      for (const [index, s] of shares.entries()) expect(s).toEqual(whole.filter((_, k) => k % count === index));
    }
  });
});

const healthy: GeneratorHealth = {
  eventLoopDelayMs: { mean: 1, p50: 1, p99: 2, max: 5 },
  dispatchLagMs: { p50: 0.1, p99: 0.5, max: 1 },
  eventLoopUtilization: 0.2,
  cpuPercent: 30,
  saturated: false,
  warnings: [],
};

// A measured result with the given TTFT and E2E (ms), ending at `endAtMs`.
function result(id: number, target: string, ttft: number, e2e: number, startMs: number, itl: number[]): RequestResult {
  return {
    ...newResult({
      id,
      phase: 'measure',
      target,
      region: `${target}-region`,
      provider: 'mock',
      model: 'm',
      workload: 'chat',
      turn: 1,
      step: '',
      scheduledAtMs: startMs,
      queuedMs: 0,
      inputTokens: 20,
      requestedOutputTokens: 5,
    }),
    connection: 'reused',
    sentAtMs: startMs,
    headersAtMs: startMs + ttft / 2,
    firstTokenAtMs: startMs + ttft,
    firstContentAtMs: startMs + ttft,
    endAtMs: startMs + e2e,
    itlMs: itl,
    contentDeltas: itl.length + 1,
    outputTokens: itl.length + 1,
    tokenSource: 'usage',
    status: 200,
    finishReason: 'stop',
  };
}

// A summary of these results, as a run would write it; `shard` tags it as shard i/n.
function summaryOf(
  rs: readonly RequestResult[],
  shard?: { index: number; count: number; agentRegion?: string; offsetMs?: number },
  scenario: unknown = { name: 's', seed: 1 },
): RunSummary {
  const rec = new Recorder();
  for (const t of ['a', 'b']) rec.declare({ target: t, region: `${t}-region`, provider: 'mock', model: 'm' });
  for (const r of rs) rec.add(r);
  const s = summarizeRun(rec, {
    tool: { name: 'llm-bakeoff', version: '0' },
    runId: `r${shard?.index ?? ''}`,
    startedAt: '2026-11-30T10:00:00.000Z',
    endedAt: '2026-11-30T10:00:30.000Z',
    durationMs: 30_000,
    status: 'completed',
    loadModel: 'open',
    stopReason: 'duration reached',
    scenario,
    generator: healthy,
  });
  s.clock = {
    originEpochMs: Date.parse('2026-11-30T10:00:00.000Z'),
    offset:
      shard?.offsetMs === undefined ? null : { offsetMs: shard.offsetMs, uncertaintyMs: 3, samples: 20, reference: 'http://127.0.0.1:1' },
  };
  if (shard)
    s.shard = {
      index: shard.index,
      count: shard.count,
      agentRegion: shard.agentRegion ?? null,
      host: 'h',
      startAt: null,
      startLateMs: null,
    };
  return s;
}

// Latencies with a long tail, from a seeded generator: the kind whose percentiles an average would get wrong.
function latencies(n: number, seed: number): RequestResult[] {
  const rng = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const ttft = 50 + 400 * rng.next() ** 4 + (rng.next() < 0.02 ? 3000 * rng.next() : 0);
    const itl = Array.from({ length: 4 }, () => 5 + 30 * rng.next() ** 3);
    return result(i, rng.next() < 0.5 ? 'a' : 'b', ttft, ttft + itl.reduce((x, y) => x + y, 0) + 1, (i * 29_000) / n, itl);
  });
}

const opts = { runId: 'merged', tool: { name: 'llm-bakeoff', version: '0' }, maxClockSkewMs: 500 };

describe('merge: shards add up to the whole, exactly', () => {
  const all = latencies(5000, 11);
  const whole = summaryOf(all);
  // Shards of unequal size and unequal latencies: a mean of their p99s is not the p99.
  const split = (k: number) => all.filter((r) => (r.id % 7 < 2 ? 0 : r.id % 7 < 3 ? 1 : 2) === k);
  const shards: MergeInput[] = [0, 1, 2].map((k) => ({
    summary: summaryOf(split(k), { index: k, count: 3, offsetMs: k }),
    kind: 'shard',
    dir: `shard-${k}`,
  }));
  const merged = mergeRuns(shards, opts);

  for (const target of ['a', 'b'])
    it(`${target}: every latency statistic of the merged shards equals one histogram of all the requests`, () => {
      const m = merged.groups.find((g) => g.key === target)!;
      const w = whole.groups.find((g) => g.key === target)!;
      for (const metric of LATENCY_METRICS) expect(m.metrics[metric], metric).toEqual(w.metrics[metric]);
      expect(m.histograms.ttft).toBe(w.histograms.ttft);
      expect(m.requests).toEqual(w.requests);
      expect(m.tokens).toEqual(w.tokens);
      // Per second too: the same points, the same per-second percentiles.
      expect(m.timeseries.map((p) => [p.second, p.requests, p.ttft, p.e2e])).toEqual(
        w.timeseries.map((p) => [p.second, p.requests, p.ttft, p.e2e]),
      );
    });

  it("an average of the shards' p99s would be wrong: the test data tells them apart", () => {
    const p99s = shards.map((s) => s.summary.groups.find((g) => g.key === 'a')!.metrics.ttft.p99!);
    const mean = p99s.reduce((x, y) => x + y, 0) / p99s.length;
    expect(Math.abs(mean - merged.groups.find((g) => g.key === 'a')!.metrics.ttft.p99!)).toBeGreaterThan(1);
  });

  it("rates are each shard's own, summed; the parts keep their own health", () => {
    const m = merged.groups.find((g) => g.key === 'a')!;
    const sum = shards.reduce((n, s) => n + s.summary.groups.find((g) => g.key === 'a')!.throughput.requestsPerSec!, 0);
    expect(m.throughput.requestsPerSec).toBeCloseTo(sum, 2);
    expect(merged.parts?.map((p) => [p.kind, p.index, p.count])).toEqual([
      ['shard', 0, 3],
      ['shard', 1, 3],
      ['shard', 2, 3],
    ]);
    expect(merged.parts?.reduce((n, p) => n + p.requests, 0)).toBe(5000);
    expect(merged.merged?.clockSkewMs).toBe(2);
  });

  it('agent regions: one group per agent region and target, adding up to the target', () => {
    const tagged: MergeInput[] = [0, 1].map((k) => ({
      summary: summaryOf(
        all.filter((r) => r.id % 2 === k),
        { index: k, count: 2, agentRegion: k ? 'us-east-1' : 'eu-west-1' },
      ),
      kind: 'shard',
    }));
    const m = mergeRuns(tagged, opts);
    const agents = m.groups.filter((g) => g.scope === 'agent');
    expect(agents.map((g) => `${g.agentRegion}→${g.target}`).sort()).toEqual(['eu-west-1→a', 'eu-west-1→b', 'us-east-1→a', 'us-east-1→b']);
    for (const t of ['a', 'b'])
      expect(agents.filter((g) => g.target === t).reduce((n, g) => n + g.requests.total, 0)).toBe(
        m.groups.find((g) => g.key === t)!.requests.total,
      );
    // The verdicts read the targets, not the agent rows.
    expect(m.decision?.rows.map((r) => r.target).sort()).toEqual(['a', 'b']);
  });
});

describe('merge refuses what it cannot add', () => {
  const rs = latencies(200, 3);
  const shard = (index: number, count = 2, scenario?: unknown, offsetMs?: number): MergeInput => ({
    summary: summaryOf(rs, { index, count, ...(offsetMs !== undefined ? { offsetMs } : {}) }, scenario),
    kind: 'shard',
    dir: `d${index}-${count}`,
  });
  it.each([
    ['shards of different scenarios', [shard(0), shard(1, 2, { name: 's', seed: 2 })], /different scenario.*differ in seed/],
    ['the same index twice', [shard(0), shard(0)], /both shard 0\/2: overlapping/],
    ['shards of different splits', [shard(0, 2), shard(1, 3)], /shards of one run share n/],
    ['a run that is not a shard', [shard(0), { summary: summaryOf(rs), kind: 'shard' as const, dir: 'plain' }], /plain is not a shard/],
    [
      'clocks 2 s apart (bound 500 ms)',
      [shard(0, 2, undefined, 0), shard(1, 2, undefined, 2000)],
      /clocks differ by 2000 ms \(bound 500 ms.*chrony/,
    ],
  ])('%s', (_, inputs, msg) => {
    expect(() => mergeRuns(inputs as MergeInput[], opts)).toThrow(MergeProblem);
    expect(() => mergeRuns(inputs as MergeInput[], opts)).toThrow(msg);
  });

  it('estimates too wide to tell (a short run: 745 ms apart, each ± 476 ms) are not refused, and the note says they check little', () => {
    const wide = (index: number, offsetMs: number): MergeInput => {
      const m = shard(index, 2);
      m.summary.clock!.offset = { offsetMs, uncertaintyMs: 476, samples: 3, reference: 'http://127.0.0.1:1' };
      return m;
    };
    const m = mergeRuns([wide(0, -404), wide(1, 341)], opts);
    expect(m.merged?.clockSkewMs).toBe(745);
    expect(m.merged?.notes.join(' ')).toMatch(
      /widest difference 745 ms, at least 0 ms given the uncertainty \(bound 500 ms\); an estimate wider than the bound checks little/,
    );
    // The same midpoints, narrow: refused, naming the smallest difference the estimates allow.
    const narrow = [shard(0, 2, undefined, -404), shard(1, 2, undefined, 341)];
    expect(() => mergeRuns(narrow, opts)).toThrow(/differ by 745 ms \(bound 500 ms; at least 739 ms given each estimate's uncertainty/);
  });

  it("a skew within the bound is reported, with each shard's offset; a missing shard is named", () => {
    const m = mergeRuns([shard(0, 3, undefined, 10), shard(2, 3, undefined, 130)], opts);
    expect(m.merged?.clockSkewMs).toBe(120);
    expect(m.merged?.notes.join(' ')).toMatch(/shard 0\/3 \+10 ± 3 ms, shard 2\/3 \+130 ± 3 ms; widest difference 120 ms/);
    expect(m.merged?.notes.join(' ')).toMatch(/shards 1\/3 are missing: the merged numbers cover 2 of 3 parts/);
  });
});

describe("ClockProbe: this clock against a server's, from Date headers", () => {
  // A server whose clock is `offset` ms behind ours, answering after `rtt` ms, every `every` ms.
  function probe(offset: number, rtt: number, every: number, n: number) {
    const p = new ClockProbe('http://server');
    const t0 = 1_764_500_000_123;
    for (let i = 0; i < n; i++) {
      const sent = t0 + i * every;
      const serverNow = sent + rtt / 2 - offset;
      p.observe(sent, sent + rtt, new Date(Math.floor(serverNow / 1000) * 1000).toUTCString());
    }
    return p.estimate()!;
  }
  it.each([
    [0, 2, 37, 400],
    [250, 10, 53, 400],
    [-1800, 40, 97, 300],
    [7, 1, 13, 1000],
  ])('offset %i ms, round trip %i ms: the bounds hold the truth and narrow to about a round trip', (offset, rtt, every, n) => {
    const e = probe(offset, rtt, every, n);
    expect(Math.abs(e.offsetMs - offset)).toBeLessThanOrEqual(e.uncertaintyMs + 0.1);
    expect(e.uncertaintyMs).toBeLessThanOrEqual(rtt + every / 2);
  });
  it('no reply, or no Date header: no estimate (null, not 0)', () => {
    const p = new ClockProbe('x');
    expect(p.estimate()).toBeNull();
    p.observe(1, 2, undefined);
    p.observe(1, 2, '');
    expect(p.estimate()).toBeNull();
  });
});

describe('merge judges the thresholds on the merged numbers', () => {
  // Shard 0 is fast, shard 1 slow: judged alone, shard 0 passes the latency bound; merged, the
  // slow half's tail is the run's. Each shard alone sends too little for the throughput bound;
  // side by side, their rates add up and pass it.
  const fast = latencies(400, 5).map((r) => ({ ...r, target: 'a' }));
  const slow = latencies(400, 6).map((r) => ({
    ...r,
    id: r.id + 400,
    target: 'a',
    firstTokenAtMs: r.firstTokenAtMs! + 500,
    firstContentAtMs: r.firstContentAtMs! + 500,
    endAtMs: r.endAtMs + 500,
  }));
  const scenario = { name: 's', seed: 1, thresholds: ['ttft.p90 < 600ms', { check: 'requestsPerSec >= 20', target: 'a' }] };
  const shards: MergeInput[] = [fast, slow].map((rs, index) => {
    const s = summaryOf(rs, { index, count: 2 }, scenario);
    return { summary: s, kind: 'shard' };
  });
  const merged = mergeRuns(shards, opts);
  const a = merged.groups.find((g) => g.key === 'a')!;

  it('the latency bound: fails on the merged tail, with the merged p99 as its actual', () => {
    const shard0 = shards[0]!.summary.groups.find((g) => g.key === 'a')!;
    expect(shard0.metrics.ttft.p90!).toBeLessThan(600);
    const check = merged.thresholds!.checks.find((c) => c.threshold === 'ttft.p90 < 600ms' && c.on === 'target a')!;
    expect(check.actual).toBe(a.metrics.ttft.p90);
    expect(check.pass).toBe(false);
    expect(merged.thresholds!.passed).toBe(false);
  });

  it('the throughput bound: each shard alone is below it, their sum above', () => {
    for (const s of shards) expect(s.summary.groups.find((g) => g.key === 'a')!.throughput.requestsPerSec!).toBeLessThan(20);
    const check = merged.thresholds!.checks.find((c) => c.threshold === 'requestsPerSec >= 20')!;
    expect(check.actual).toBeCloseTo(a.throughput.requestsPerSec!, 3);
    expect(check.pass).toBe(true);
  });
});

describe('--workers: how many threads', () => {
  const t = (extra: Record<string, unknown> = {}) => ({ name: 'a', provider: 'mock', model: 'm', mock: { ttftMs: 10 }, ...extra });
  const cases: [string, Record<string, unknown>, string | undefined, number, { workers: number } | RegExp][] = [
    [
      'auto, a small closed loop (8 users × 3 targets): 1',
      { targets: [t(), t({ name: 'b' }), t({ name: 'c' })], load: { concurrency: 8, duration: '10s' } },
      'auto',
      8,
      { workers: 1 },
    ],
    ['auto, 128 users on 4 cores: 4', { targets: [t()], load: { concurrency: 128, duration: '10s' } }, 'auto', 4, { workers: 4 }],
    ['auto, 64 users on 16 cores: 16', { targets: [t()], load: { concurrency: 64, duration: '10s' } }, undefined, 16, { workers: 16 }],
    [
      'auto, 70 users over 8 shards on 16 cores: 8 (each worker needs a user)',
      { targets: [t()], load: { concurrency: 70, duration: '10s' } },
      'auto',
      16,
      { workers: 8 },
    ],
    ['auto, 200 arrivals/s on 2 cores: 2', { targets: [t()], load: { rate: 200, duration: '10s' } }, 'auto', 2, { workers: 2 }],
    ['auto, 50 arrivals/s: 1', { targets: [t()], load: { rate: 50, duration: '10s' } }, 'auto', 2, { workers: 1 }],
    [
      'auto, a failover drill: 1',
      { targets: [t(), t({ name: 'b' })], failover: [{ name: 'r', chain: ['a', 'b'] }], load: { concurrency: 200, duration: '10s' } },
      'auto',
      4,
      { workers: 1 },
    ],
    ['3, as given', { targets: [t()], load: { concurrency: 8, duration: '10s' } }, '3', 2, { workers: 3 }],
    [
      '2 with failover routes: refused',
      { targets: [t(), t({ name: 'b' })], failover: [{ name: 'r', chain: ['a', 'b'] }], load: { concurrency: 8, duration: '10s' } },
      '2',
      2,
      /circuit breaker/,
    ],
    ['"two": refused', { targets: [t()], load: { concurrency: 8, duration: '10s' } }, 'two', 2, /whole number/],
  ];
  it.each(cases)('%s', (_, doc, flag, cores, want) => {
    const shards = /8 shards/.test(_) ? 8 : 1;
    const got = workersFor(flag, scenarioOf(doc), shards, cores);
    if (want instanceof RegExp) expect('problem' in got && got.problem).toMatch(want);
    else expect(got).toEqual(want);
  });
});

describe("a merged failover drill: each agent's breakers", () => {
  const t = (atMs: number, to: 'open' | 'half-open' | 'closed', part?: string) => ({
    atMs,
    route: 'r',
    target: 'a',
    from: 'closed' as const,
    to,
    reason: '',
    ...(part ? { part } : {}),
  });
  it.each([
    ['one run: the last transition', [t(1000, 'open'), t(4000, 'half-open'), t(4100, 'closed')], 4500, 'closed'],
    ['two agents, one still open: open', [t(1000, 'open', 'eu'), t(1100, 'open', 'us'), t(4000, 'closed', 'eu')], 4500, 'open'],
    [
      'two agents, one half-open, one closed: half-open',
      [t(1000, 'open', 'eu'), t(4000, 'half-open', 'eu'), t(1100, 'closed', 'us')],
      4500,
      'half-open',
    ],
    ['before any transition: closed', [t(1000, 'open', 'eu')], 500, 'closed'],
  ] as const)('%s', (_, transitions, atMs, state) => {
    expect(breakerStateAt([...transitions], 'r', 'a', atMs)).toBe(state);
  });
});
