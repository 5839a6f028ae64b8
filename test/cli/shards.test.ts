import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latencyStats, newHistogram, recordMs } from '../../src/metrics/histogram.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { cliEnv, ensureBuilt, ROOT, runCli, startMockProcess, writeDoc, type MockProcess } from '../support/cli-process.js';

// Shards and workers end to end: deploy/local.sh runs two shards from two agent regions as local
// processes that start together, and merges them; `--workers 2` splits one process's load.

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'bakeoff-shards-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as RunSummary;
const rowsOf = async (file: string) => parseCsv(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];

// Two targets on the embedded mock, a request count (so shard totals are exact), thresholds
// judged on the merged numbers.
const SCENARIO = {
  name: 'shards',
  seed: 5,
  targets: [
    { name: 'near', region: 'eu-west-1', provider: 'mock', model: 'gpt-4o-mini', mock: { rttMs: 2, ttftMs: 30, itlMs: 3 } },
    { name: 'far', region: 'us-east-1', provider: 'mock', model: 'gpt-4o-mini', mock: { rttMs: 20, ttftMs: 60, itlMs: 4 } },
  ],
  workload: { promptTokens: { dist: 'uniform', min: 50, max: 200 }, maxTokens: 12, stream: true },
  load: { concurrency: 4, requests: 61, warmup: 2 },
  thresholds: ['errorRate < 1%', { check: 'requestsPerSec > 0', target: 'near' }],
};

describe('deploy/local.sh: two agent regions as local shards, started together, merged', () => {
  let out: string;
  let merged: RunSummary;
  let shards: RunSummary[];
  let stdout: string;
  beforeAll(async () => {
    const file = await writeDoc(dir, 'shards.yaml', SCENARIO);
    out = join(dir, 'local');
    const r = await run('bash', [join(ROOT, 'deploy/local.sh'), file, out, 'eu-west-1', 'us-east-1'], {
      cwd: ROOT,
      env: cliEnv({ BAKEOFF_START_DELAY: '6' }),
      timeout: 120_000,
    });
    stdout = r.stdout;
    merged = await readJson(join(out, 'merged/summary.json'));
    shards = await Promise.all(['eu-west-1/shard-0', 'us-east-1/shard-1'].map((d) => readJson(join(out, d, 'summary.json'))));
  }, 150_000);

  it('each shard is tagged with its index, agent region and host, and both began at the agreed instant', () => {
    expect(shards.map((s) => [s.shard?.index, s.shard?.count, s.shard?.agentRegion])).toEqual([
      [0, 2, 'eu-west-1'],
      [1, 2, 'us-east-1'],
    ]);
    expect(shards[0]!.shard!.startAt).toBe(shards[1]!.shard!.startAt);
    for (const s of shards) expect(s.shard!.host).not.toBe('');
    // A bound no scheduling noise reaches: they waited for the same instant, seconds ahead.
    const starts = shards.map((s) => Date.parse(s.startedAt));
    expect(Math.abs(starts[0]! - starts[1]!)).toBeLessThan(1500);
  });

  it("counts are the sum of the shards' (which together sent the whole request count, prompts disjoint)", () => {
    for (const target of ['near', 'far']) {
      const per = shards.map((s) => s.groups.find((g) => g.key === target)!.requests);
      const m = merged.groups.find((g) => g.key === target)!.requests;
      expect(m.total).toBe(per[0]!.total + per[1]!.total);
      expect(m.ok).toBe(per[0]!.ok + per[1]!.ok);
      expect(m.total).toBe(61);
      expect(per.map((p) => p.total)).toEqual([31, 30]); // arrivals 2…62 after 2 of warmup: even ones to shard 0
    }
    expect(merged.warmupRequests).toBe(shards[0]!.warmupRequests + shards[1]!.warmupRequests);
  });

  it('percentiles equal those of one histogram of every request both shards sent (the rows of their requests.csv)', async () => {
    const rows = [
      ...(await rowsOf(join(out, 'eu-west-1/shard-0/requests.csv'))),
      ...(await rowsOf(join(out, 'us-east-1/shard-1/requests.csv'))),
    ].filter((r) => r.phase === 'measure' && r.ok === '1');
    // Disjoint prompt sequences: no request id twice.
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const target of ['near', 'far'])
      for (const [metric, col] of [
        ['ttft', 'ttft_ms'],
        ['e2e', 'e2e_ms'],
      ] as const) {
        const h = newHistogram();
        for (const r of rows.filter((x) => x.target === target)) recordMs(h, Number(r[col]));
        const one = latencyStats(h);
        const m = merged.groups.find((g) => g.key === target)!.metrics[metric];
        expect(m.count).toBe(one.count);
        for (const p of ['p50', 'p90', 'p99', 'max'] as const)
          expect(Math.abs(m[p]! - one[p]!), `${target} ${metric} ${p}`).toBeLessThanOrEqual(one[p]! * 0.001 + 0.001);
      }
  });

  it("thresholds are judged on the merged data, and the script exits with the merge's code", () => {
    const near = merged.groups.find((g) => g.key === 'near')!;
    const check = merged.thresholds!.checks.find((c) => c.threshold === 'requestsPerSec > 0')!;
    const perShard = shards.map((s) => s.groups.find((g) => g.key === 'near')!.throughput.requestsPerSec!);
    // Rates of shards that ran side by side add up.
    expect(check.actual).toBeCloseTo(perShard[0]! + perShard[1]!, 2);
    expect(near.throughput.requestsPerSec).toBeCloseTo(perShard[0]! + perShard[1]!, 2);
    expect(merged.thresholds!.passed).toBe(true);
    expect(stdout).toMatch(/shard 0\/2 \(eu-west-1\): exit 0/);
  });

  it('reports show agent region × target region: console, summary.csv, report.html', async () => {
    expect(stdout).toMatch(/by agent region × target region/);
    expect(stdout).toMatch(/eu-west-1\s+far\s+us-east-1/);
    const csv = await rowsOf(join(out, 'merged/summary.csv'));
    const agentRows = csv.filter((r) => r.scope === 'agent' && r.metric === 'ttft');
    expect(agentRows.map((r) => `${r.agent_region}→${r.target}`).sort()).toEqual([
      'eu-west-1→far',
      'eu-west-1→near',
      'us-east-1→far',
      'us-east-1→near',
    ]);
    const html = await readFile(join(out, 'merged/report.html'), 'utf8');
    expect(html).toMatch(/Agent region × target region/);
    expect(html).toMatch(/shard 1\/2/);
  });

  it('merge refuses shards of another scenario, and the same shard twice, exit 2 naming them', async () => {
    const other = join(dir, 'other.yaml');
    await writeDoc(dir, 'other.yaml', { ...SCENARIO, seed: 6 });
    const o = await runCli(['run', other, '--mock', '--quiet', '--shard', '1/2', '--out', join(dir, 'other')], { timeoutMs: 60_000 });
    expect(o.code).toBe(0);
    const r = await runCli(['merge', join(out, 'eu-west-1/shard-0'), join(dir, 'other'), '--out', join(dir, 'm1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ran a different scenario .* differ in seed/);
    const twice = await runCli(['merge', join(out, 'us-east-1/shard-1'), join(dir, 'other'), '--out', join(dir, 'm2')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/both shard 1\/2: overlapping indices/);
  }, 90_000);

  it("a shard whose clock is off by more than the bound is refused, with each shard's offset; a wider bound accepts and reports it", async () => {
    const skewed = join(dir, 'skewed');
    await run('cp', ['-r', join(out, 'us-east-1/shard-1'), skewed]);
    const s = await readJson(join(skewed, 'summary.json'));
    expect(s.clock?.offset).not.toBeNull();
    s.clock!.offset!.offsetMs += 5000;
    await writeFile(join(skewed, 'summary.json'), JSON.stringify(s));
    const r = await runCli(['merge', join(out, 'eu-west-1/shard-0'), skewed, '--out', join(dir, 'm3')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clocks differ by \d{4}(\.\d)? ms \(bound 500 ms/);
    const ok = await runCli(['merge', join(out, 'eu-west-1/shard-0'), skewed, '--out', join(dir, 'm4'), '--max-clock-skew', '10s']);
    expect(ok.code).toBe(0);
    expect((await readJson(join(dir, 'm4/summary.json'))).merged!.clockSkewMs).toBeGreaterThan(4900);
  }, 60_000);
});

describe('--workers: one process, its load split over threads', () => {
  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess({ ttftMs: 15, itlMs: 2, rttMs: 1 });
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it("--workers 2 sends the totals and the prompts of one worker, results in one requests.csv, each worker's health reported", async () => {
    const file = await writeDoc(dir, 'workers.yaml', {
      name: 'workers',
      seed: 9,
      targets: [{ name: 'm', provider: 'openai', model: 'gpt-4o-mini', baseUrl: mock.baseUrl }],
      workload: { promptTokens: { dist: 'uniform', min: 20, max: 400 }, maxTokens: 8, stream: true },
      load: { concurrency: 6, requests: 201, warmup: 3 },
    });
    const one = await runCli(['run', file, '--quiet', '--workers', '1', '--out', join(dir, 'w1')], { timeoutMs: 60_000 });
    const two = await runCli(['run', file, '--quiet', '--workers', '2', '--out', join(dir, 'w2')], { timeoutMs: 60_000 });
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(two.stderr).toMatch(/2 worker threads/);
    const [s1, s2] = await Promise.all([readJson(join(dir, 'w1/summary.json')), readJson(join(dir, 'w2/summary.json'))]);
    const g1 = s1.groups.find((g) => g.key === 'm')!;
    const g2 = s2.groups.find((g) => g.key === 'm')!;
    expect(g2.requests.total).toBe(g1.requests.total);
    expect(g2.requests.ok).toBe(201);
    expect(g2.tokens.input).toBe(g1.tokens.input);
    expect(s2.warmupRequests).toBe(s1.warmupRequests);
    expect(s2.parts?.map((p) => [p.kind, p.requests])).toEqual([
      ['worker', 100],
      ['worker', 101],
    ]); // arrivals 3…203 (after 3 of warmup): even ones to worker 1, odd to worker 2
    for (const p of s2.parts!) expect(p.generator.eventLoopDelayMs.p99).not.toBeUndefined();
    // The same prompts, request for request (by their token counts), in one file with unique ids.
    const [r1, r2] = await Promise.all([rowsOf(join(dir, 'w1/requests.csv')), rowsOf(join(dir, 'w2/requests.csv'))]);
    const prompts = (rows: Record<string, string>[], phase: string) =>
      rows
        .filter((r) => r.phase === phase)
        .map((r) => Number(r.input_tokens))
        .sort((a, b) => a - b);
    for (const phase of ['warmup', 'measure']) expect(prompts(r2, phase)).toEqual(prompts(r1, phase));
    expect(new Set(r2.map((r) => r.id)).size).toBe(r2.length);
  }, 120_000);

  it('a load that cannot be split that many ways is refused before anything is sent, naming the field', async () => {
    const file = await writeDoc(dir, 'small.yaml', {
      name: 'small',
      targets: [{ name: 'm', provider: 'openai', model: 'gpt-4o-mini', baseUrl: mock.baseUrl }],
      load: { concurrency: 2, requests: 5 },
    });
    const r = await runCli(['run', file, '--quiet', '--workers', '3', '--out', join(dir, 'small')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/load\.concurrency.*2 users cannot be split 3 ways/);
    const bad = await runCli(['run', file, '--quiet', '--shard', '2/2', '--out', join(dir, 'small2')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard "2\/2": the index counts from 0/);
  });
});
