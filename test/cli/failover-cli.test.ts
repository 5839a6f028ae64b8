import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { REQUEST_COLUMNS } from '../../src/output/requests-csv.js';
import { runCli, ensureBuilt } from '../support/cli-process.js';
import { startStubServer, type StubServer } from '../support/stub-server.js';
import { exclusiveTiming } from '../support/timing-lock.js';

// A short failover drill through the built `bakeoff` binary: a primary that is down (HTTP 503)
// for part of the run, a healthy fallback, one route. Assertions are on the exit code, the
// Failover section on stdout, and what summary.json and requests.csv say about the route.
//
// The outage is placed by what the run did, not by the clock: a mock's fault window counts from the
// run's start, and on a busy machine the CLI's first request has left more than a second after it
// (the whole window gone before the load began, and nothing to fail over from). So the primary is a
// mock behind a switch in this process that goes down OUTAGE_AFTER_MS after the first request reaches
// it, for OUTAGE_MS (health probes included, as a down server would), and counts what it refused.

const OUTAGE_AFTER_MS = 300;
const OUTAGE_MS = 700;

/** OutageSwitch forwards to a mock, but for a window opened by the first completion request it answers 503. */
interface OutageSwitch extends StubServer {
  /** Completion requests it refused with a 503. */
  readonly refused: number;
}

async function startOutageSwitch(upstream: MockServer): Promise<OutageSwitch> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let firstAt: number | undefined;
  let refused = 0;
  const stub = await startStubServer((req, res, body) => {
    const now = performance.now();
    const completion = req.method === 'POST';
    if (completion) firstAt ??= now;
    if (firstAt !== undefined && now - firstAt >= OUTAGE_AFTER_MS && now - firstAt < OUTAGE_AFTER_MS + OUTAGE_MS) {
      if (completion) refused++;
      const text = JSON.stringify({
        error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null },
      });
      res.writeHead(503, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }
    const forward = request(
      { host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    forward.end(body);
  });
  return {
    port: stub.port,
    baseUrl: stub.baseUrl,
    requests: stub.requests,
    get refused() {
      return refused;
    },
    close: async () => {
      agent.destroy();
      await stub.close();
    },
  };
}

function drill(primaryBaseUrl: string, fallbackBaseUrl: string) {
  return {
    name: 'failover-cli',
    seed: 5,
    targets: [
      { name: 'primary', region: 'us-east-1', model: 'mock-model', baseUrl: primaryBaseUrl },
      { name: 'fallback', region: 'eu-west-1', model: 'mock-model', baseUrl: fallbackBaseUrl },
    ],
    failover: [
      {
        name: 'chat',
        chain: ['primary', 'fallback'],
        attemptTimeouts: { firstToken: '1s' },
        retry: { maxAttempts: 2, budget: 1, minPerSec: 5 },
        breaker: { failures: 3, openFor: '300ms' },
        healthProbe: { interval: '200ms', timeout: '150ms' },
      },
    ],
    workload: { name: 'chat', promptTokens: 16, maxTokens: 4 },
    load: { rate: 20, duration: '2s' },
    timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
  };
}

describe('bakeoff run with a failover route', () => {
  let dir: string;
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-failover-cli-'));
  }, 130_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 0, prints the Failover section, and writes the route into summary.json and requests.csv', async () => {
    const primary = await startMockServer({ profile: { rttMs: 0, ttftMs: 10, itlMs: 1 }, seed: 5 });
    const fallback = await startMockServer({ profile: { rttMs: 0, ttftMs: 30, itlMs: 1 }, seed: 6 });
    const outage = await startOutageSwitch(primary);
    servers.push(outage, primary, fallback);
    const scenario = join(dir, 'drill.yaml');
    await writeFile(scenario, toYaml(drill(outage.baseUrl, fallback.baseUrl)));
    const out = join(dir, 'run');
    // A CLI process starting is a CPU burst: keep it off the timing-sensitive drills.
    const res = await exclusiveTiming(() => runCli(['run', scenario, '--out', out, '-q']));
    expect(res.code, res.stderr).toBe(ExitCode.Ok);

    // stdout: the Failover section with its lines, the per-second timeline and the transitions.
    expect(res.stdout).toMatch(/^Failover$/m);
    expect(res.stdout).toMatch(/^route chat \(primary → fallback\): \d+ user requests, available 100(\.0)?%/m);
    expect(res.stdout).toContain('failover time p50');
    expect(res.stdout).toMatch(/^second\s+by primary\s+by fallback\s+failed\s+breaker primary\s+breaker fallback/m);
    expect(res.stdout).toContain('breaker transitions:');
    expect(res.stdout).toMatch(/chat\/primary: closed → open \(3 consecutive failures\)/);
    expect(res.stdout).toContain('outages (as the client saw them):');

    // summary.json: the route, its breaker transitions and the outage.
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.failover).toBeDefined();
    expect(summary.failover!.routes).toEqual([expect.objectContaining({ name: 'chat', chain: ['primary', 'fallback'] })]);
    expect(summary.failover!.breakers.some((b) => b.target === 'primary' && b.from === 'closed' && b.to === 'open')).toBe(true);
    expect(summary.failover!.outages.map((o) => o.target)).toEqual(['primary']);
    const route = summary.groups.find((g) => g.scope === 'route' && g.target === 'chat')!;
    expect(route.key).toBe('route:chat');
    expect(route.requests).toMatchObject({ total: 40, failed: 0 });
    expect(route.route!.servedBy.primary).toBeGreaterThan(0);
    expect(route.route!.servedBy.fallback).toBeGreaterThan(0);

    // requests.csv: one user row (attempt 0) per request, one row per attempt, all on the route.
    const text = await readFile(join(out, 'requests.csv'), 'utf8');
    expect(parseCsv(text, { to_line: 1 })[0]).toEqual([...REQUEST_COLUMNS]);
    for (const c of ['route', 'attempt', 'attempts', 'served_by', 'time_lost_ms', 'failover_ms', 'retry_after_ms'])
      expect(REQUEST_COLUMNS).toContain(c);
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    const userRows = rows.filter((r) => r.attempt === '0');
    const attemptRows = rows.filter((r) => r.attempt !== '0');
    expect(userRows).toHaveLength(40);
    for (const r of userRows) expect(r).toMatchObject({ route: 'chat', target: 'chat', ok: '1' });
    expect(new Set(userRows.map((r) => r.served_by))).toEqual(new Set(['primary', 'fallback']));
    for (const r of attemptRows) {
      expect(r.route).toBe('chat');
      expect(['primary', 'fallback']).toContain(r.target);
      expect(Number(r.attempt)).toBeGreaterThanOrEqual(1);
    }
    expect(attemptRows).toHaveLength(userRows.reduce((a, r) => a + Number(r.attempts), 0));
    // Every 503 the primary gave a request is in requests.csv, and nothing else failed on it. (Health probes
    // count towards the breaker too, so as few as 2 requests may have met the outage before it opened.)
    const refused = attemptRows.filter((r) => r.target === 'primary' && r.error_kind !== '');
    expect(refused.map((r) => r.error_kind)).toEqual(Array(outage.refused).fill('http_5xx'));
    expect(outage.refused).toBeGreaterThanOrEqual(2);
    // A request the fallback served carries its failover time — after a failed attempt, or with the
    // primary skipped (breaker open); one the primary served does not.
    const failedOver = userRows.filter((r) => r.failover_ms !== '');
    expect(failedOver.length).toBeGreaterThan(0);
    expect(failedOver.some((r) => r.attempts === '2')).toBe(true);
    for (const r of userRows) expect(r.failover_ms !== '', `request ${r.id} served by ${r.served_by}`).toBe(r.served_by === 'fallback');
  });
});
