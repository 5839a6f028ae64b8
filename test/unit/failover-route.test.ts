import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { ChatCall } from '../../src/client/chat-client.js';
import { CircuitBreaker, type BreakerPolicy } from '../../src/failover/circuit-breaker.js';
import { failoverRoute, type Hop, type RouteDeps } from '../../src/failover/failover-route.js';
import { RetryBudget } from '../../src/failover/retry-budget.js';
import type { Clock } from '../../src/metrics/clock.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';
import type { RequestResult } from '../../src/metrics/request-result.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { failoverSchema } from '../../src/scenario/schema.js';
import { heldUpMs, startBareTimer } from '../support/bare-timer.js';
import { fakeClock, scriptedHop, type FakeClock, type Outcome, type ScriptedHop } from '../support/fake-hops.js';

// failoverRoute driven with scripted hops and a fake clock: each hop plays a list of outcomes and
// moves the clock by its duration, so every timing the route computes is known exactly. Backoff
// is 0 ms except where a test is about backoff (which then runs on the real clock), and the budget
// is ample except where a test is about the budget.

const BREAKER: BreakerPolicy = { failures: 1_000, openForMs: 5_000, halfOpenProbes: 1 };
const DEFAULT_ON: ErrorKind[] = [
  'connect_timeout',
  'connect_error',
  'ttft_timeout',
  'total_timeout',
  'http_429',
  'http_5xx',
  'reset',
  'bad_stream',
  'stream_error',
];

/** routeOf parses a route as a scenario would, with no backoff and an unlimited budget unless overridden. */
function routeOf(chain: string[], doc: { on?: ErrorKind[]; retry?: Record<string, unknown> } = {}) {
  return failoverSchema.parse({
    name: 'chat',
    chain,
    ...(doc.on ? { on: doc.on } : {}),
    retry: { backoff: { initial: '0ms', max: '0ms', jitter: 0 }, budget: 1, minPerSec: 0, ...doc.retry },
  });
}

interface Drill {
  hops: Record<string, ScriptedHop & { breaker: CircuitBreaker }>;
  attempts: RequestResult[];
  deps: RouteDeps;
  clock: Clock;
  send(extra?: Partial<ChatCall>): Promise<RequestResult>;
}

let callIds = 1_000;

/**
 * drill wires a route over scripted hops. `scripts` names the chain (in order) and each hop's
 * outcomes; attempts land in `attempts`, and `send` makes one user call scheduled now.
 */
function drill(
  scripts: Record<string, Outcome[]>,
  opts: {
    route?: Parameters<typeof routeOf>[1];
    clock?: FakeClock | Clock;
    budget?: RetryBudget;
    breaker?: Partial<BreakerPolicy>;
    stop?: AbortSignal;
  } = {},
): Drill {
  const clock = opts.clock ?? fakeClock(1_000);
  const chain = Object.keys(scripts);
  const hops: Drill['hops'] = {};
  for (const t of chain)
    hops[t] = { ...scriptedHop(t, clock, scripts[t]!), breaker: new CircuitBreaker(t, { ...BREAKER, ...opts.breaker }) };
  const attempts: RequestResult[] = [];
  let attemptIds = 0;
  const deps: RouteDeps = {
    clock,
    budget: opts.budget ?? new RetryBudget(100, 0), // every request may retry as often as maxAttempts allows
    retryAfterUntil: new Map(),
    nextId: () => attemptIds++,
    onAttempt: (r) => attempts.push(r),
    random: () => 0.5, // jitter factor exactly 1
    ...(opts.stop ? { stop: opts.stop } : {}),
  };
  const hit = failoverRoute(
    routeOf(chain, opts.route),
    chain.map((t): Hop => ({ target: t, hit: hops[t]!.hit, breaker: hops[t]!.breaker })),
    deps,
  );
  const send = (extra: Partial<ChatCall> = {}) =>
    hit({
      id: callIds++,
      phase: 'measure',
      workload: 'chat',
      turn: 1,
      scheduledAtMs: clock.now(),
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 8,
      stream: true,
      inputTokensCounted: 2,
      ...extra,
    });
  return { hops, attempts, deps, clock, send };
}

const fail = (errorKind: ErrorKind, durationMs = 100, extra: Outcome = {}): Outcome => ({ errorKind, durationMs, ...extra });
const ok = (ttftMs = 20, durationMs = 60): Outcome => ({ ttftMs, durationMs });
const targetsOf = (rs: readonly RequestResult[]) => rs.map((r) => r.target);

describe('failoverRoute: chain order', () => {
  it.each([
    ['primary serves', { a: [ok()], b: [ok()], c: [ok()] }, ['a'], 'a'],
    ['primary fails, secondary serves', { a: [fail('http_5xx')], b: [ok()], c: [ok()] }, ['a', 'b'], 'b'],
    ['two fail, the third serves', { a: [fail('http_5xx')], b: [fail('ttft_timeout')], c: [ok()] }, ['a', 'b', 'c'], 'c'],
  ] as const)('%s', async (_, scripts, tried, servedBy) => {
    const d = drill(scripts as unknown as Record<string, Outcome[]>);
    const user = await d.send();
    expect(targetsOf(d.attempts)).toEqual(tried);
    expect(user).toMatchObject({
      errorKind: null,
      servedBy,
      attempts: tried.length,
      target: 'chat',
      route: 'chat',
      kind: 'outcome',
      provider: 'route',
    });
    for (const t of ['a', 'b', 'c']) expect(d.hops[t]!.calls).toHaveLength(tried.includes(t as never) ? 1 : 0);
  });

  it('starts every request at the primary again while its breaker is closed', async () => {
    const d = drill({ a: [fail('http_5xx'), ok(), fail('http_5xx')], b: [ok()] });
    const served = [];
    for (let i = 0; i < 3; i++) served.push((await d.send()).servedBy);
    expect(served).toEqual(['b', 'a', 'b']);
    expect(targetsOf(d.attempts)).toEqual(['a', 'b', 'a', 'a', 'b']);
  });

  it('skips a hop whose breaker is open, without counting an attempt', async () => {
    const d = drill({ a: [fail('http_5xx')], b: [ok()] }, { breaker: { failures: 2 } });
    await d.send();
    await d.send(); // a's second failure opens its breaker
    expect(d.hops.a!.breaker.state).toBe('open');
    const user = await d.send();
    expect(d.hops.a!.calls).toHaveLength(2);
    // Served by a fallback with the primary skipped: a failover too, timed from the request's start.
    expect(user).toMatchObject({ servedBy: 'b', attempts: 1, timeLostMs: 0 });
    expect(user.failoverMs).toBe(user.firstTokenAtMs! - user.scheduledAtMs);
  });
});

describe('failoverRoute: which failures fail over', () => {
  it.each(DEFAULT_ON)('%s (in the default `on`) moves to the next hop', async (kind) => {
    const d = drill({ a: [fail(kind)], b: [ok()] });
    const user = await d.send();
    expect(targetsOf(d.attempts)).toEqual(['a', 'b']);
    expect(user).toMatchObject({ errorKind: null, servedBy: 'b', attempts: 2 });
  });

  it.each(['http_4xx', 'empty_response', 'other'] as const)(
    '%s (not in `on`) is final: the user sees it, the fallback is never asked',
    async (kind) => {
      const d = drill({ a: [fail(kind)], b: [ok()] });
      const user = await d.send();
      expect(targetsOf(d.attempts)).toEqual(['a']);
      expect(d.hops.b!.calls).toHaveLength(0);
      expect(user).toMatchObject({ errorKind: kind, servedBy: '', attempts: 1, failoverMs: null, target: 'chat' });
    },
  );

  it('a route that fails over only on http_5xx treats a ttft_timeout as final', async () => {
    const d = drill({ a: [fail('ttft_timeout'), fail('http_5xx')], b: [ok()] }, { route: { on: ['http_5xx'] } });
    expect(await d.send()).toMatchObject({ errorKind: 'ttft_timeout', attempts: 1 });
    expect(await d.send()).toMatchObject({ errorKind: null, servedBy: 'b', attempts: 2 });
  });

  it('no failover once content was streamed: the failure is final', async () => {
    const d = drill({ a: [fail('reset', 200, { ttftMs: 30, contentMs: 30 })], b: [ok()] });
    const user = await d.send();
    expect(targetsOf(d.attempts)).toEqual(['a']);
    expect(user).toMatchObject({ errorKind: 'reset', attempts: 1, servedBy: '', timeLostMs: 0 });
  });

  it('the same failure before any content does fail over', async () => {
    const d = drill({ a: [fail('reset', 200)], b: [ok()] });
    expect(await d.send()).toMatchObject({ errorKind: null, servedBy: 'b', attempts: 2 });
  });
});

describe('failoverRoute: limits', () => {
  it.each([
    [1, ['a']],
    [2, ['a', 'b']],
    [3, ['a', 'b', 'c']],
    // Past the end of the chain, retries go to the first available hop (the primary), after backoff.
    [5, ['a', 'b', 'c', 'a', 'a']],
  ] as const)('maxAttempts %d caps the attempts of an all-failing chain: %j', async (maxAttempts, tried) => {
    const d = drill({ a: [fail('http_5xx')], b: [fail('http_5xx')], c: [fail('http_5xx')] }, { route: { retry: { maxAttempts } } });
    const user = await d.send();
    expect(targetsOf(d.attempts)).toEqual(tried);
    expect(user).toMatchObject({ errorKind: 'http_5xx', attempts: maxAttempts, servedBy: '' });
    expect(d.deps.budget.retries).toBe(maxAttempts - 1);
  });

  it('a denied retry ends the request with the failure it had', async () => {
    const budget = new RetryBudget(0, 0);
    const d = drill({ a: [fail('http_5xx')], b: [ok()] }, { budget });
    const user = await d.send();
    expect(targetsOf(d.attempts)).toEqual(['a']);
    expect(user).toMatchObject({ errorKind: 'http_5xx', attempts: 1, servedBy: '' });
    expect([budget.retries, budget.denied]).toEqual([0, 1]);
  });

  it('every call deposits into the budget: at ratio 0.5 every second request may retry', async () => {
    const budget = new RetryBudget(0.5, 0);
    const d = drill({ a: [fail('http_5xx')], b: [ok()] }, { budget });
    const attempts = [];
    for (let i = 0; i < 6; i++) attempts.push((await d.send()).attempts);
    expect(attempts).toEqual([1, 2, 1, 2, 1, 2]);
    expect([budget.retries, budget.denied]).toEqual([3, 3]);
  });

  it('a stopped run makes no further attempt', async () => {
    const d = drill({ a: [fail('http_5xx')], b: [ok()] }, { stop: AbortSignal.abort() });
    expect(await d.send()).toMatchObject({ errorKind: 'http_5xx', attempts: 1 });
    expect(d.hops.b!.calls).toHaveLength(0);
  });
});

describe('failoverRoute: Retry-After', () => {
  it('skips a hop until its Retry-After has passed, then tries it again', async () => {
    const clock = fakeClock(0);
    const d = drill({ a: [fail('http_429', 10, { retryAfterMs: 1_000 }), ok()], b: [ok(20, 50)] }, { clock });
    expect(await d.send()).toMatchObject({ servedBy: 'b', attempts: 2 }); // a's 429 ends at 10: away until 1010
    expect(d.deps.retryAfterUntil.get('a')).toBe(1_010);
    clock.set(500);
    const skipped = await d.send();
    expect(skipped).toMatchObject({ servedBy: 'b', attempts: 1 });
    expect(skipped.failoverMs).not.toBeNull(); // the primary was skipped for its Retry-After: the fallback served
    clock.set(1_009);
    expect(await d.send()).toMatchObject({ servedBy: 'b', attempts: 1 });
    clock.set(1_010);
    expect(await d.send()).toMatchObject({ servedBy: 'a', attempts: 1 });
    expect(d.hops.a!.calls.map((c) => c.scheduledAtMs)).toEqual([0, 1_010]);
  });

  it('with honorRetryAfter: false the hop is not skipped', async () => {
    const clock = fakeClock(0);
    const d = drill(
      { a: [fail('http_429', 10, { retryAfterMs: 1_000 }), ok()], b: [ok()] },
      { clock, route: { retry: { honorRetryAfter: false } } },
    );
    await d.send();
    clock.set(500);
    expect(await d.send()).toMatchObject({ servedBy: 'a', attempts: 1 });
    expect(d.deps.retryAfterUntil.size).toBe(0);
  });

  it('when the only other hop is unavailable, the request fails with the 429 it got (not circuit_open)', async () => {
    const d = drill({ a: [fail('http_429', 10, { retryAfterMs: 1_000 })], b: [ok()] }, { breaker: { failures: 1 } });
    d.hops.b!.breaker.record(d.clock.now(), false);
    expect(d.hops.b!.breaker.state).toBe('open');
    const user = await d.send();
    expect(targetsOf(d.attempts)).toEqual(['a']);
    expect(user).toMatchObject({ errorKind: 'http_429', attempts: 1, retryAfterMs: 1_000 });
  });
});

describe('failoverRoute: all hops unavailable', () => {
  it('gives one circuit_open user record and sends nothing', async () => {
    const d = drill({ a: [ok()], b: [ok()] }, { breaker: { failures: 1 } });
    for (const h of Object.values(d.hops)) h.breaker.record(d.clock.now(), false);
    const user = await d.send({ id: 7, scheduledAtMs: d.clock.now() - 5 });
    expect(d.attempts).toEqual([]);
    expect(d.hops.a!.calls.length + d.hops.b!.calls.length).toBe(0);
    expect(user).toMatchObject({
      id: 7,
      target: 'chat',
      route: 'chat',
      kind: 'outcome',
      attempts: 0,
      errorKind: 'circuit_open',
      status: 0,
      servedBy: '',
      timeLostMs: 0,
      failoverMs: null,
      firstTokenAtMs: null,
      scheduledAtMs: d.clock.now() - 5,
    });
    expect(user.errorMessage).toContain('chat');
  });

  it('Retry-After pending on every hop is unavailable too', async () => {
    const d = drill({ a: [ok()], b: [ok()] });
    d.deps.retryAfterUntil.set('a', d.clock.now() + 100);
    d.deps.retryAfterUntil.set('b', d.clock.now() + 200);
    expect(await d.send()).toMatchObject({ errorKind: 'circuit_open', attempts: 0 });
    expect(d.attempts).toEqual([]);
  });
});

describe('failoverRoute: records', () => {
  const scripts: [string, Record<string, Outcome[]>][] = [
    ['served first time', { a: [ok()], b: [ok()] }],
    ['served by the fallback', { a: [fail('http_5xx')], b: [ok()] }],
    ['failed everywhere', { a: [fail('http_5xx')], b: [fail('reset')] }],
    ['failed finally on a 4xx', { a: [fail('http_5xx')], b: [fail('http_4xx')] }],
    ['served in a second round', { a: [fail('http_5xx'), ok()], b: [fail('ttft_timeout')] }],
  ];

  it.each(scripts)('%s: one user record per call, attempts numbered 1..n on the route, fresh ids', async (_, s) => {
    const d = drill(s);
    const seen = d.attempts;
    const user = await d.send({ id: 42 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((r) => r.attempt)).toEqual(seen.map((_, i) => i + 1));
    for (const r of seen) {
      expect(r.route).toBe('chat');
      expect(['a', 'b']).toContain(r.target);
      expect(r.id).not.toBe(42);
    }
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
    expect(user).toMatchObject({ id: 42, kind: 'outcome', attempts: seen.length, target: 'chat', route: 'chat' });
    expect(user.errorKind).toBe(seen.at(-1)!.errorKind);
  });

  it('the first attempt keeps the call schedule and queue wait; later ones are scheduled when sent', async () => {
    const d = drill({ a: [fail('http_5xx', 100)], b: [ok()] });
    const t0 = d.clock.now();
    await d.send({ scheduledAtMs: t0 - 30, queuedMs: 30 });
    const [first, second] = d.attempts;
    expect(first).toMatchObject({ scheduledAtMs: t0 - 30, queuedMs: 30, sentAtMs: t0 });
    expect(second).toMatchObject({ scheduledAtMs: t0 + 100, queuedMs: 0, sentAtMs: t0 + 100 });
  });

  it('the user record counts from the call schedule and carries the serving attempt timings', async () => {
    const d = drill({ a: [fail('ttft_timeout', 300)], b: [ok(50, 80)] });
    const t0 = d.clock.now();
    const user = await d.send({ scheduledAtMs: t0 - 10, queuedMs: 10 });
    expect(user).toMatchObject({
      scheduledAtMs: t0 - 10,
      queuedMs: 10,
      sentAtMs: t0,
      firstTokenAtMs: t0 + 350,
      endAtMs: t0 + 380,
      servedBy: 'b',
      region: '',
      provider: 'route',
    });
  });

  it.each([
    // scripts, call scheduled this long before the first send, expected failoverMs, expected timeLostMs
    ['served by the primary', { a: [ok(40)], b: [ok()] }, 0, null, 0],
    ['one timeout, then the fallback', { a: [fail('ttft_timeout', 300)], b: [ok(50)] }, 0, 350, 300],
    // An attempt's duration counts from its schedule, as e2e does: the first one includes the queue wait.
    ['with queue wait before the first send', { a: [fail('ttft_timeout', 300)], b: [ok(50)] }, 25, 375, 325],
    ['two failures, then the third hop', { a: [fail('http_5xx', 120)], b: [fail('reset', 80)], c: [ok(30)] }, 0, 230, 200],
    ['failed everywhere (a, b, a again: maxAttempts 3)', { a: [fail('http_5xx', 120)], b: [fail('http_5xx', 80)] }, 0, null, 320],
    ['final on a 4xx after a failover', { a: [fail('http_5xx', 120)], b: [fail('http_4xx', 80)] }, 0, null, 120],
  ] as const)('%s: failoverMs %s, timeLostMs %s', async (_, s, earlyMs, failoverMs, timeLostMs) => {
    const d = drill(s as unknown as Record<string, Outcome[]>);
    const user = await d.send({ scheduledAtMs: d.clock.now() - earlyMs });
    expect(user.failoverMs).toBe(failoverMs);
    expect(user.timeLostMs).toBe(timeLostMs);
    if (user.errorKind === null) {
      const failed = d.attempts.filter((r) => r.errorKind !== null);
      expect(failed.reduce((a, r) => a + r.endAtMs - r.scheduledAtMs, 0)).toBe(timeLostMs);
    }
  });

  // "failoverMs: request start → first token served by a fallback (null unless a fallback served
  // it)" (request-result.ts); the recorder counts every non-null one as "served by a fallback".
  // A request the primary itself served on a retry is not a failover.
  it('a retry served by the primary itself is not a failover', async () => {
    const d = drill({ a: [fail('http_5xx', 100), ok(30)] });
    const user = await d.send();
    expect(user).toMatchObject({ servedBy: 'a', attempts: 2, errorKind: null });
    expect(user.failoverMs).toBeNull();
  });
});

// The backoffs are sleeps on the real clock: never shorter than asked (lower bounds), and longer
// by at most 20 ms plus however long the event loop was held up meanwhile, as a bare 1 ms timer
// beside them saw it (heldUpMs, test/support/bare-timer.ts). It was "+ 100 ms", which a busy
// machine broke (208 ms for a 50 ms backoff); an uncapped or doubled backoff is still far over.
const SLACK_MS = 20;

/** timed runs `run` on a clock reading performance.now() from a known origin, with a bare timer beside it. */
async function timed(run: (clock: Clock) => Promise<RequestResult[]>) {
  const origin = performance.now();
  const clock: Clock = { now: () => performance.now() - origin, originEpochMs: Date.now() };
  const timer = startBareTimer(1);
  const attempts = await run(clock).finally(() => timer.stop());
  const ticks = timer.stop();
  const sent = attempts.map((r) => r.sentAtMs);
  /** gapAtMost is the bound for the wait between attempts i − 1 and i. */
  const gapAtMost = (i: number, ms: number) => ms + SLACK_MS + heldUpMs(ticks, origin + sent[i - 1]!, origin + sent[i]!);
  return { attempts, sent, gapAtMost };
}

describe('failoverRoute: backoff (real clock)', () => {
  it('waits initial × multiplier^n before re-trying a hop already tried, not before a fresh one', async () => {
    const { attempts, sent, gapAtMost } = await timed(async (clock) => {
      const d = drill(
        { a: [fail('http_5xx', 0)], b: [fail('http_5xx', 0)] },
        { clock, route: { retry: { maxAttempts: 4, backoff: { initial: '40ms', max: '1s', multiplier: 2, jitter: 0 } } } },
      );
      await d.send();
      return d.attempts;
    });
    expect(targetsOf(attempts)).toEqual(['a', 'b', 'a', 'a']);
    // a → b: a fresh hop, no wait. b → a (3rd attempt): 40 × 2^1 = 80 ms. a → a (4th): 40 × 2^2 = 160 ms.
    expect(sent[1]! - sent[0]!).toBeLessThan(gapAtMost(1, 0));
    expect(sent[2]! - sent[1]!).toBeGreaterThanOrEqual(80);
    expect(sent[2]! - sent[1]!).toBeLessThan(gapAtMost(2, 80));
    expect(sent[3]! - sent[2]!).toBeGreaterThanOrEqual(160);
    expect(sent[3]! - sent[2]!).toBeLessThan(gapAtMost(3, 160));
  });

  it('the backoff is capped at max', async () => {
    const { sent, gapAtMost } = await timed(async (clock) => {
      const d = drill(
        { a: [fail('http_5xx', 0)] },
        { clock, route: { retry: { maxAttempts: 3, backoff: { initial: '30ms', max: '50ms', multiplier: 10, jitter: 0 } } } },
      );
      await d.send();
      return d.attempts;
    });
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(30);
    expect(sent[2]! - sent[1]!).toBeGreaterThanOrEqual(50);
    expect(sent[2]! - sent[1]!).toBeLessThan(gapAtMost(2, 50));
  });
});

// One definition of "served by a fallback" — any hop but the chain's first served it — for the
// user record's failoverMs, the route's failedOver counter and its failover histogram, whatever
// state the primary's breaker was in.
describe('failoverRoute: served by a fallback, in every breaker state', () => {
  const breaker = { failures: 2, openForMs: 1_000, halfOpenProbes: 1 };

  // The recorder's view of the user records: failedOver and the failover histogram count.
  function counted(users: RequestResult[]) {
    const rec = new Recorder();
    for (const u of users) rec.add(u);
    const g = summarizeGroup([...rec.groups.values()].find((x) => x.scope === 'route')!);
    return { failedOver: g.route!.failedOver, histogram: g.metrics.failover.count };
  }

  it.each<[string, Outcome[], number, 'closed' | 'open' | 'half-open', 'a' | 'b', boolean]>([
    // [state, the primary's script, clock advance before the measured call, breaker state then, who serves, a failover?]
    ['closed: the primary fails, the fallback serves', [fail('http_5xx')], 0, 'closed', 'b', true],
    ['closed: the primary serves', [ok()], 0, 'closed', 'a', false],
    ['open: the primary is skipped, the fallback serves', [fail('http_5xx'), fail('http_5xx')], 0, 'open', 'b', true],
    [
      'half-open: the trial on the primary fails, the fallback serves',
      [fail('http_5xx'), fail('http_5xx'), fail('http_5xx')],
      1_500,
      'half-open',
      'b',
      true,
    ],
    ['half-open: the trial on the primary succeeds', [fail('http_5xx'), fail('http_5xx'), ok()], 1_500, 'half-open', 'a', false],
  ])('%s', async (_, primary, advanceMs, state, servedBy, failover) => {
    const clock = fakeClock(10_000);
    const d = drill({ a: primary, b: [ok(30, 60)] }, { clock, breaker });
    const users: RequestResult[] = [];
    // Drive the primary's breaker into the state the case names.
    if (state !== 'closed') for (let i = 0; i < 2; i++) users.push(await d.send());
    if (state !== 'closed') expect(d.hops.a!.breaker.state).toBe('open');
    clock.set(clock.now() + advanceMs);
    const user = await d.send();
    users.push(user);
    expect(user.servedBy).toBe(servedBy);
    if (failover) expect(user.failoverMs).toBe(user.firstTokenAtMs! - user.scheduledAtMs);
    else expect(user.failoverMs).toBeNull();
    const fallbackServed = users.filter((u) => u.servedBy === 'b').length;
    expect(counted(users)).toEqual({ failedOver: fallbackServed, histogram: fallbackServed });
  });
});

describe('failoverRoute: Retry-After is capped by maxRetryAfter', () => {
  it('a hop asking for an hour is skipped for maxRetryAfter, not an hour', async () => {
    const clock = fakeClock(0);
    const d = drill({ a: [fail('http_429', 10, { retryAfterMs: 3_600_000 }), ok()], b: [ok()] }, { clock });
    d.deps.maxRetryAfterMs = 1_000;
    await d.send();
    expect(d.deps.retryAfterUntil.get('a')).toBe(1_010);
  });
});
