import { performance } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonError, REFUSED_BASE_URL, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// Pointed at a paid API, the tool must never send faster than the provider asks: a 429 with
// Retry-After holds every user (closed loop) or drops the arrivals meanwhile (open loop); a dead
// endpoint is backed off from, not hammered. Each server here counts what it received.

const servers: StubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** stubWith starts a server that answers with `answer`, noting when each request arrived. */
async function stubWith(answer: (res: ServerResponse, n: number) => void): Promise<StubServer & { times: number[] }> {
  const times: number[] = [];
  const s = await startStubServer((_req, res) => {
    times.push(performance.now());
    answer(res, times.length);
  });
  servers.push(s);
  return Object.assign(s, { times });
}

function rateLimited(res: ServerResponse, retryAfterS: number): void {
  res.setHeader('retry-after', String(retryAfterS));
  jsonError(res, 429, 'Rate limit reached for requests.', 'requests', 'rate_limit_exceeded');
}

const target = (s: StubServer) => ({ name: 'paid', model: 'gpt-4o-mini', baseUrl: s.baseUrl });

describe('closed loop', () => {
  it('a 429 with Retry-After: 2 holds every user for 2 s: 4 users × 5 s send a dozen requests, not thousands', async () => {
    const server = await stubWith((res) => rateLimited(res, 2));
    const { summary } = await runCollecting(scenarioOf({ targets: [target(server)], load: { concurrency: 4, duration: '5s' } }));
    // Four requests at 0 s, 2 s and 4 s: the run once sent 16,493 here.
    expect(server.times.length).toBeGreaterThanOrEqual(4);
    expect(server.times.length).toBeLessThanOrEqual(16);
    // No request arrived while a Retry-After was pending (the window opens at the 429's end + 2 s).
    const bursts: number[][] = [];
    for (const t of server.times) {
      const last = bursts.at(-1);
      if (last && t - last[0]! < 500) last.push(t);
      else bursts.push([t]);
    }
    for (let i = 1; i < bursts.length; i++) expect(bursts[i]![0]! - bursts[i - 1]!.at(-1)!, `burst ${i}`).toBeGreaterThanOrEqual(1990);
    const g = summary.groups[0]!;
    expect(g.requests.errorsByKind).toEqual({ http_429: server.times.length });
    expect(g.backoff!.rateLimitedMs).toBeGreaterThan(4 * 2000);
    expect(g.backoff!.waits).toBeGreaterThanOrEqual(4);
  });

  it('a longer Retry-After than maxRetryAfter waits the cap', async () => {
    const server = await stubWith((res) => rateLimited(res, 3600));
    await runCollecting(
      scenarioOf({ targets: [target(server)], load: { concurrency: 1, duration: '2500ms', maxRetryAfter: '1s', errorBackoff: 0 } }),
    );
    // An hour asked, a second honoured: at 0 s, ~1 s and ~2 s.
    expect(server.times.length).toBeGreaterThanOrEqual(2);
    expect(server.times.length).toBeLessThanOrEqual(3);
  });

  it('a refused port is backed off from exponentially (errorBackoff), not hammered', async () => {
    const baseUrl = REFUSED_BASE_URL;
    const { summary } = await runCollecting(
      scenarioOf({ targets: [{ name: 'down', model: 'm', baseUrl }], load: { concurrency: 4, duration: '3s' } }),
    );
    const g = summary.groups[0]!;
    // Each user: a try, then pauses of ~0.5–1 s, 1–2 s, 2–4 s (once 3,500 attempts a second).
    expect(g.requests.total).toBeGreaterThanOrEqual(4);
    expect(g.requests.total).toBeLessThanOrEqual(16);
    expect(g.requests.errorsByKind).toEqual({ connect_error: g.requests.total });
    expect(g.backoff!.afterErrorsMs).toBeGreaterThan(4 * 1500);
  });

  it('errorBackoff: 0 turns the backoff off (raw behaviour, for servers you own)', async () => {
    const server = await stubWith((res) => jsonError(res, 503, 'overloaded', 'server_error'));
    await runCollecting(scenarioOf({ targets: [target(server)], load: { concurrency: 2, duration: '1s', errorBackoff: 0 } }));
    // Each 503 takes about a millisecond: with no pause, hundreds; with the default, a handful.
    expect(server.times.length).toBeGreaterThan(40);
  });

  it('a user backs off after its own 5xx and comes back: requests still go out, fewer', async () => {
    const server = await stubWith((res, n) => (n % 2 ? jsonError(res, 500, 'oops', 'server_error') : streamCompletion(res, ['ok'])));
    const { summary } = await runCollecting(
      scenarioOf({ targets: [target(server)], load: { concurrency: 2, duration: '2s', errorBackoff: '100ms' } }),
    );
    const g = summary.groups[0]!;
    expect(g.requests.ok).toBeGreaterThan(5);
    expect(g.requests.errorsByKind.http_5xx).toBeGreaterThan(5);
    expect(g.backoff!.afterErrorsMs).toBeGreaterThan(0);
    expect(g.backoff!.rateLimitedMs).toBe(0);
  });
});

describe('open loop', () => {
  it('keeps its schedule but drops arrivals while a Retry-After is pending (rate_limited)', async () => {
    const server = await stubWith((res) => rateLimited(res, 2));
    const { summary } = await runCollecting(scenarioOf({ targets: [target(server)], load: { rate: 50, duration: '3s' } }));
    const g = summary.groups[0]!;
    expect(g.requests.total + g.requests.dropped).toBe(150);
    // Sent: the arrivals before the first 429 came back, then one burst per 2 s window.
    expect(server.times.length).toBeLessThanOrEqual(10);
    expect(g.requests.droppedBy.rate_limited).toBeGreaterThanOrEqual(140);
    expect(g.offered!.scheduledPerSec).toBeCloseTo(50, 0);
  });

  it('stops sending to a failing target for a while after 5 failures in a row (unavailable), then tries again', async () => {
    const server = await stubWith((res) => jsonError(res, 502, 'bad gateway', 'server_error'));
    const { summary } = await runCollecting(
      scenarioOf({ targets: [target(server)], load: { rate: 50, duration: '3s', errorBackoff: '500ms' } }),
    );
    const g = summary.groups[0]!;
    expect(g.requests.total + g.requests.dropped).toBe(150);
    expect(g.requests.droppedBy.unavailable).toBeGreaterThan(100);
    // Trials after each pause: 500 ms, 1 s, 2 s — a handful, not 150. (Arrivals keep going out
    // until the fifth failure has come back: on a loaded machine a reply can take 100 ms, five
    // more arrivals, at each of the first closing and the three trials.)
    expect(server.times.length).toBeLessThanOrEqual(40);
    expect(server.times.length).toBeGreaterThanOrEqual(6);
  });
});

describe('Retry-After however it comes', () => {
  it('a 500 or 502 carrying Retry-After is honoured too (a closed loop pauses, not 1,665 requests in 3 s)', async () => {
    const server = await stubWith((res) => {
      res.setHeader('retry-after', '1');
      jsonError(res, 502, 'bad gateway', 'server_error');
    });
    await runCollecting(scenarioOf({ targets: [target(server)], load: { concurrency: 2, duration: '2500ms' } }));
    expect(server.times.length).toBeLessThanOrEqual(8);
  });

  it('maxRetryAfter 0s ignores Retry-After, but the user still backs off from the failure', async () => {
    const server = await stubWith((res) => rateLimited(res, 1));
    await runCollecting(
      scenarioOf({ targets: [target(server)], load: { concurrency: 2, duration: '2s', maxRetryAfter: '0s', errorBackoff: '200ms' } }),
    );
    // Backoff 100–200, 200–400, 400–800 ms…: a handful per user, not 1,208 in 3 s.
    expect(server.times.length).toBeLessThanOrEqual(14);
  });

  it('users come back after a Retry-After window spread out: the first to return probes, the rest wait on its answer', async () => {
    const server = await stubWith((res) => rateLimited(res, 1));
    await runCollecting(scenarioOf({ targets: [target(server)], load: { concurrency: 4, duration: '1800ms' } }));
    // Four at 0 s; after the 1 s window the users return jittered, so the first one's 429 closes
    // the gate again before the others send: one request, not a burst of four.
    expect(server.times.slice(0, 4).every((t) => t - server.times[0]! < 200)).toBe(true);
    const after = server.times.slice(4);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.length).toBeLessThanOrEqual(2);
    expect(after[0]! - server.times[3]!).toBeGreaterThanOrEqual(990);
  });
});
