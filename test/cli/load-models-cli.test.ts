import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { REQUEST_COLUMNS } from '../../src/output/requests-csv.js';
import { runCli, ensureBuilt } from '../support/cli-process.js';
import { exclusiveTiming } from '../support/timing-lock.js';

// `bakeoff run` / `validate` on an open-loop scenario: the built binary, real files. The table must
// say which latencies are response times and which service times, and count dropped arrivals.

const OPEN_LOOP = {
  name: 'cli-open-loop',
  seed: 3,
  targets: [{ name: 'open', region: 'local', provider: 'mock', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } }],
  workload: { promptTokens: 16, maxTokens: 4 },
  load: { rate: 30, duration: '2s' },
  timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
};

describe('bakeoff CLI: open loop', () => {
  let dir: string;
  let scenario: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-open-'));
    scenario = join(dir, 'open-loop.yaml');
    await writeFile(scenario, toYaml(OPEN_LOOP));
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('run: exits 0; the table adds service-time and dropped columns and explains them; files hold the series', async () => {
    const out = join(dir, 'run');
    // A CLI run is a CPU burst (process start, mock worker, 60 requests): not while another worker measures timing.
    const res = await exclusiveTiming(() => runCli(['run', scenario, '--out', out, '-q']));
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const header = res.stdout.split('\n').find((l) => l.startsWith('target'));
    expect(header).toBeDefined();
    for (const col of ['TTFT p99', 'svc TTFT p99', 'svc E2E p99', 'dropped']) expect(header).toContain(col);
    expect(res.stdout).toMatch(/^open loop: .*scheduled arrival \(response time\).*actual send \(service time\)/m);
    // 30/s × 2s: 60 requests, none dropped (no maxInFlight).
    expect(res.stdout).toMatch(/^open\s+local\s+mock-model\s+60\/60\s.*\s0$/m);

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.loadModel).toBe('open');
    const g = summary.groups[0]!;
    expect(g.requests).toMatchObject({ total: 60, ok: 60, dropped: 0 });
    expect(g.timeseries.length).toBeGreaterThan(0);
    const seconds = g.timeseries.map((p) => p.second);
    expect(seconds.every((s) => Number.isInteger(s) && s >= 0)).toBe(true);
    expect(seconds).toEqual([...new Set(seconds)].sort((a, b) => a - b));
    expect(g.timeseries.reduce((n, p) => n + p.requests, 0)).toBe(60);
    expect(g.timeseries.some((p) => p.ttft !== null && p.ttft.p50 >= 5)).toBe(true);
    for (const m of ['ttftService', 'e2eService', 'dispatchLag'] as const) expect(g.metrics[m].count).toBe(60);

    const text = await readFile(join(out, 'requests.csv'), 'utf8');
    expect((parseCsv(text, { to_line: 1 }) as string[][])[0]).toEqual([...REQUEST_COLUMNS]);
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(60);
    const sched = rows.map((r) => Number(r.scheduled_ms)).sort((a, b) => a - b);
    // One arrival every 1/30 s: the last 59 gaps after the first.
    expect(sched.at(-1)! - sched[0]!).toBeCloseTo((59 * 1000) / 30, 1);
    for (const r of rows) {
      expect(r.ok).toBe('1');
      expect(Number(r.sent_ms)).toBeGreaterThanOrEqual(Number(r.scheduled_ms));
      expect(Number(r.ttft_ms)).toBeGreaterThanOrEqual(Number(r.ttft_service_ms));
      expect(r.queue_wait_ms).toBe('0');
    }
  }, 60_000);

  it('validate: names the open loop and expects 60 measured requests', async () => {
    const res = await runCli(['validate', scenario]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('scenario cli-open-loop: valid');
    expect(res.stdout).toMatch(/load: +open loop, constant arrivals, 30\/s per target, stop after 2s/);
    expect(res.stdout).toContain('expected measured requests: 60');

    const json = await runCli(['validate', scenario, '--json']);
    expect(json.code).toBe(ExitCode.Ok);
    const plan = JSON.parse(json.stdout) as {
      load: string;
      targets: { expectedRequests: number; exact: boolean; concurrency: number | null }[];
    };
    expect(plan.load).toMatch(/^open loop/);
    expect(plan.targets).toEqual([expect.objectContaining({ expectedRequests: 60, exact: true, concurrency: null })]);
  });
});
