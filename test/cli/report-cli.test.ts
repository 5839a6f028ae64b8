import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, startCli, writeDoc } from '../support/cli-process.js';

// `bakeoff report <run-dir>` rebuilds a run's outputs without sending anything: from summary.json,
// or — for a run killed before it wrote one — from requests.csv and run.json.

describe('bakeoff report', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-report-'));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scenario = (name: string, load: Record<string, unknown>) =>
    writeDoc(dir, `${name}.yaml`, {
      name,
      targets: [
        { name: 'fast', model: 'gpt-4o-mini', mock: { rttMs: 0, ttftMs: 10, itlMs: 2 } },
        { name: 'slow', model: 'gpt-4o', mock: { rttMs: 0, ttftMs: 120, itlMs: 2 } },
      ],
      workload: { promptTokens: 16, maxTokens: 8 },
      load,
      thresholds: ['ttft.p50 < 100ms'],
    });

  it("from summary.json: the same report.md and junit.xml as the run wrote; --exit-code gives the run's code", async () => {
    const out = join(dir, 'complete');
    const run = await runCli(['run', await scenario('complete', { concurrency: 2, requests: 10 }), '--quiet', '--out', out]);
    expect(run.code, run.stderr).toBe(ExitCode.ThresholdsBreached);
    const before = { md: await readFile(join(out, 'report.md'), 'utf8'), junit: await readFile(join(out, 'junit.xml'), 'utf8') };
    await rm(join(out, 'report.md'));
    await rm(join(out, 'hgrm'), { recursive: true });
    const res = await runCli(['report', out]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toMatch(/^thresholds: 1 of 2 FAILED$/m);
    expect(res.stdout).toMatch(/^written: .*report\.md, .*junit\.xml, .*hgrm\/$/m);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toBe(before.md);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toBe(before.junit);
    expect(existsSync(join(out, 'hgrm', 'fast', 'ttft.hgrm'))).toBe(true);
    expect((await runCli(['report', out, '--quiet', '--exit-code'])).code).toBe(ExitCode.ThresholdsBreached);
  });

  it('after kill -9: the summary rebuilt from requests.csv, saying so, every row counted', async () => {
    const out = join(dir, 'killed');
    const cli = startCli(['run', await scenario('killed', { concurrency: 2, duration: '60s' }), '--quiet', '--out', out], {
      timeoutMs: 60_000,
    });
    const rows = async () =>
      existsSync(join(out, 'requests.csv'))
        ? (parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Record<string, string>[])
        : [];
    const deadline = Date.now() + 30_000;
    while ((await rows().catch(() => [])).filter((r) => r.phase === 'measure' && r.target === 'slow').length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
    expect(existsSync(join(out, 'run.json'))).toBe(true);

    const res = await runCli(['report', out]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stderr).toContain('no summary.json; rebuilt it from requests.csv and run.json');
    expect(res.stdout).toMatch(/^NOTE: summary rebuilt from requests\.csv: .*not known from the rows: the generator's health/m);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.rebuilt?.from).toBe('requests.csv');
    expect(summary.generator.eventLoopUtilization).toBeNull();
    const measured = (await rows()).filter((r) => r.phase === 'measure');
    expect(summary.groups.reduce((n, g) => n + g.requests.total + g.requests.generatorFailed, 0)).toBe(measured.length);
    // TTFTs come back exactly: the slow target's fastest is its injected 120 ms or more, from the rows.
    const slow = summary.groups.find((g) => g.target === 'slow')!;
    const fromRows = measured.filter((r) => r.target === 'slow').map((r) => Number(r.ttft_ms));
    expect(slow.metrics.ttft.min).toBeCloseTo(Math.min(...fromRows), 1);
    expect(slow.metrics.ttft.max).toBeCloseTo(Math.max(...fromRows), 1);
    // Priced as the run priced (run.json keeps the prices), and judged against its thresholds.
    expect(slow.cost?.priced).toBe(true);
    expect(summary.thresholds?.checks.map((c) => c.on)).toEqual(['target fast', 'target slow']);
  }, 90_000);

  it('a requests.csv without a column the rebuild reads: exit 2, naming the file and the column', async () => {
    // The killed run's run.json and first row, less one column: not a file this version wrote.
    const out = join(dir, 'foreign');
    await mkdir(out);
    await copyFile(join(dir, 'killed', 'run.json'), join(out, 'run.json'));
    const [header, first] = parseCsv(await readFile(join(dir, 'killed', 'requests.csv'), 'utf8'), { to_line: 2 }) as string[][];
    const at = header!.indexOf('served_by');
    const line = (cells: string[]) =>
      cells
        .filter((_, i) => i !== at)
        .map((c) => `"${c.replaceAll('"', '""')}"`)
        .join(',');
    await writeFile(join(out, 'requests.csv'), `${line(header!)}\n${line(first!)}\n`);
    const res = await runCli(['report', out]);
    expect(res.code, res.stderr).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toContain(`${join(out, 'requests.csv')}: no column "served_by"`);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  });

  it('a directory that is not a run: exit 2 with what to pass', async () => {
    const res = await runCli(['report', dir]);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toMatch(/neither summary\.json nor requests\.csv; pass a run directory/);
  });
});
