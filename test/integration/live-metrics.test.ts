import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveMetrics } from '../../src/output/live-metrics.js';
import { serveMetrics, type MetricsServer } from '../../src/output/metrics-server.js';
import type { Scenario } from '../../src/scenario/schema.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { TOOL } from '../../src/version.js';
import { buckets, parseExposition, select, value, type Exposition } from '../support/exposition.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// Short runs against in-process mocks with the live metrics wired as `bakeoff run` wires them,
// then one scrape of /metrics with undici: every counter and histogram count is summary.json's.

const servers: MetricsServer[] = [];
const live: LiveMetrics[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const m of live.splice(0)) m.close();
});

// runScraped runs a scenario with live metrics served on a free port, and scrapes them once it has ended.
async function runScraped(s: Scenario): Promise<{ summary: RunSummary; e: Exposition }> {
  const m = new LiveMetrics({ scenario: s, runId: 'live-test', tool: TOOL, processMetrics: false });
  live.push(m);
  const server = await serveMetrics(m, '127.0.0.1', 0);
  servers.push(server);
  const { summary } = await runCollecting(s, { outputs: [m] });
  const res = await request(server.url);
  expect(res.statusCode).toBe(200);
  return { summary, e: parseExposition(await res.body.text()) };
}

const group = (summary: RunSummary, target: string, scope = 'target') =>
  summary.groups.find((g) => g.target === target && g.scope === scope)!;

describe('live metrics of a run', () => {
  it("closed loop with failures and warmup: each target's counters and histogram counts are its summary's", async () => {
    const s = scenarioOf({
      name: 'live-closed',
      targets: [
        { name: 'steady', region: 'r1', model: 'm', mock: { rttMs: 0, ttftMs: 30, itlMs: 2 } },
        {
          name: 'flaky',
          region: 'r2',
          model: 'm',
          mock: { rttMs: 0, ttftMs: 30, itlMs: 2, faults: [{ kind: 'http_503', probability: 0.3 }] },
        },
      ],
      workload: { name: 'chat', promptTokens: 16, maxTokens: 8 },
      load: { concurrency: 2, duration: '1500ms', warmup: 3, errorBackoff: '0s' },
    });
    const { summary, e } = await runScraped(s);
    for (const t of ['steady', 'flaky']) {
      const g = group(summary, t);
      const region = t === 'steady' ? 'r1' : 'r2';
      const where = { target: t, region, workload: 'chat' };
      expect(g.requests.ok, t).toBeGreaterThan(0);
      expect(value(e, 'bakeoff_requests_total', { ...where, outcome: 'ok' }), t).toBe(g.requests.ok);
      const failures = Object.fromEntries(
        select(e, 'bakeoff_requests_total', where)
          .filter((x) => x.labels.outcome !== 'ok')
          .map((x) => [x.labels.outcome, x.value]),
      );
      expect(failures, t).toEqual(g.requests.errorsByKind);
      expect(
        select(e, 'bakeoff_requests_total', where).reduce((n, x) => n + x.value, 0),
        t,
      ).toBe(g.requests.total);
      expect(value(e, 'bakeoff_output_tokens_total', where), t).toBe(g.tokens.output);
      for (const [metric, key] of [
        ['ttft', 'ttft'],
        ['e2e', 'e2e'],
        ['tpot', 'tpot'],
        ['itl', 'itl'],
      ] as const) {
        const stats = g.metrics[key]!;
        expect(value(e, `bakeoff_${metric}_seconds_count`, where), `${t} ${metric}`).toBe(stats.count);
        // The same values in seconds: the mean agrees within HDR's 3 significant digits.
        const mean = value(e, `bakeoff_${metric}_seconds_sum`, where)! / stats.count;
        expect(Math.abs(mean * 1000 - stats.mean!), `${t} ${metric} mean ${mean * 1000} vs ${stats.mean}`).toBeLessThanOrEqual(
          0.002 * stats.mean! + 0.002,
        );
        const b = buckets(e, `bakeoff_${metric}_seconds`, where);
        for (let i = 1; i < b.length; i++) expect(b[i]!.count).toBeGreaterThanOrEqual(b[i - 1]!.count);
      }
      expect(value(e, 'bakeoff_dispatch_lag_seconds_count', { target: t, region }), t).toBe(g.metrics.dispatchLag!.count);
      expect(value(e, 'bakeoff_requests_in_flight', { target: t }), t).toBe(0);
    }
    expect(select(e, 'bakeoff_warmup_requests_total').reduce((n, x) => n + x.value, 0)).toBe(summary.warmupRequests);
    expect(group(summary, 'flaky').requests.errorsByKind.http_5xx ?? 0).toBeGreaterThan(0);
  }, 30_000);

  it('open loop past its in-flight cap: drops by reason are the summary’s', async () => {
    const s = scenarioOf({
      name: 'live-open',
      targets: [{ name: 'capped', model: 'm', mock: { rttMs: 0, ttftMs: 150, itlMs: 1 } }],
      load: { rate: 40, duration: '1s', maxInFlight: 1, overflow: 'drop' },
    });
    const { summary, e } = await runScraped(s);
    const g = group(summary, 'capped');
    expect(g.requests.dropped).toBeGreaterThan(0);
    const dropped = Object.fromEntries(
      select(e, 'bakeoff_dropped_arrivals_total', { target: 'capped' }).map((x) => [x.labels.reason, x.value]),
    );
    expect(dropped).toEqual(g.requests.droppedBy);
    expect(value(e, 'bakeoff_requests_total', { target: 'capped', outcome: 'ok' })).toBe(g.requests.ok);
  }, 30_000);

  it("failover: a route's user-level outcomes on the route, each attempt on its target, in flight back to 0 on every hop", async () => {
    const s = scenarioOf({
      name: 'live-failover',
      targets: [
        { name: 'down', model: 'm', baseUrl: 'http://127.0.0.1:9/v1' },
        { name: 'up', model: 'm', mock: { rttMs: 0, ttftMs: 20, itlMs: 1 } },
      ],
      failover: [{ name: 'chat', chain: ['down', 'up'], breaker: { failures: 1000, openFor: '1s', halfOpenProbes: 1 } }],
      load: { concurrency: 2, duration: '1s', errorBackoff: '0s' },
    });
    const { summary, e } = await runScraped(s);
    const route = group(summary, 'chat', 'route');
    expect(route.requests.ok).toBeGreaterThan(0);
    expect(value(e, 'bakeoff_route_requests_total', { route: 'chat', outcome: 'ok' })).toBe(route.requests.ok);
    const down = group(summary, 'down');
    expect(value(e, 'bakeoff_requests_total', { target: 'down', outcome: 'connect_error' })).toBe(down.requests.errorsByKind.connect_error);
    expect(value(e, 'bakeoff_requests_total', { target: 'up', outcome: 'ok' })).toBe(group(summary, 'up').requests.ok);
    expect(value(e, 'bakeoff_requests_in_flight', { target: 'down' })).toBe(0);
    expect(value(e, 'bakeoff_requests_in_flight', { target: 'up' })).toBe(0);
  }, 30_000);
});
