import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { cliEnv, ensureBuilt, runCli } from '../support/cli-process.js';

// The console report fits COLUMNS: the quickstart (the first thing a new user runs) at 80 and 160 columns has no line
// wider than that, and every table keeps its verdict; --wide, and no COLUMNS off a terminal, print every column.

const longest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));
// The header lines of the tables whose first column is `target` and that hold `header`.
const headerWith = (text: string, header: string) => text.split('\n').filter((l) => l.startsWith('target ') && l.includes(header));

// The quickstart's tables in order (per target, tokens, cost, decision), each with its verdict where it has one: the
// per-target error rate, the cost's total, the decision's error rate and SLO verdict.
function expectVerdicts(stdout: string): void {
  const tables = headerWith(stdout, '');
  expect(tables).toHaveLength(4);
  expect(tables[0]).toMatch(/\berr%/);
  expect(tables[1]).toMatch(/\boutput tok\b/);
  expect(tables[2]).toMatch(/\btotal\b/);
  expect(tables[3]).toMatch(/\berr%.*SLO \(errorRate < 1%\)$/);
}

describe('console width', () => {
  let dir: string;
  let at80: Awaited<ReturnType<typeof runCli>>;
  let at160: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-width-'));
    // One quickstart run at 80 columns; its report at 160 is the same console from the same summary. Its load is cut from
    // 2 s + 15 s to 1 s + 3 s (a copy of the file; the same targets, models, workload and tables): the suite stays fast.
    const quick = join(dir, 'quickstart.yaml');
    const text = await readFile('scenarios/quickstart.yaml', 'utf8');
    await writeFile(quick, text.replace(/^ {2}warmup: 2s$/m, '  warmup: 1s').replace(/^ {2}duration: 15s$/m, '  duration: 3s'));
    expect(await readFile(quick, 'utf8')).toMatch(/^ {2}duration: 3s$/m);
    at80 = await runCli(['run', quick, '--out', join(dir, 'q80'), '-q'], {
      env: cliEnv({ COLUMNS: '80' }),
      timeoutMs: 120_000,
    });
    at160 = await runCli(['report', join(dir, 'q80')], { env: cliEnv({ COLUMNS: '160' }) });
  }, 150_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the quickstart at COLUMNS=80: no line over 80, every table with its verdict, the hidden columns named', () => {
    expect(at80.code, at80.stderr).toBe(ExitCode.Ok);
    expect(longest(at80.stdout)).toBeLessThanOrEqual(80);
    expectVerdicts(at80.stdout);
    expect(at80.stdout).toMatch(/^\(\d+ columns hidden to fit 80 columns: /m);
    expect(at80.stdout).toMatch(/^results: .*\/q80\/ \(summary\.json/m);
  });

  it('the quickstart at COLUMNS=160: no line over 160, more columns than at 80', () => {
    expect(at160.code, at160.stderr).toBe(ExitCode.Ok);
    expect(longest(at160.stdout)).toBeLessThanOrEqual(160);
    expectVerdicts(at160.stdout);
    const columns = (text: string) =>
      headerWith(text, 'err%')[0]!
        .trim()
        .split(/\s{2,}/).length;
    expect(columns(at160.stdout)).toBeGreaterThan(columns(at80.stdout));
  });

  it('report --wide at COLUMNS=80, and report off a terminal without COLUMNS, show every column', async () => {
    const wide = await runCli(['report', join(dir, 'q80'), '--wide'], { env: cliEnv({ COLUMNS: '80' }) });
    const plain = await runCli(['report', join(dir, 'q80')]);
    expect(wide.code, wide.stderr).toBe(ExitCode.Ok);
    expect(plain.code, plain.stderr).toBe(ExitCode.Ok);
    for (const out of [wide.stdout, plain.stdout]) {
      expect(longest(out)).toBeGreaterThan(80);
      expect(out).not.toContain('columns hidden');
      const head = headerWith(out, 'err%')[0]!;
      for (const c of ['region', 'model', 'ok/total', 'req/s', 'TTFT p50', 'ITL p99', 'E2E p99', 'out tok/s']) expect(head).toContain(c);
      expect(headerWith(out, 'usage vs local count')).toHaveLength(1);
    }
    // --wide and no width at all lay the tables out alike.
    expect(wide.stdout).toBe(plain.stdout);
  });

  it('probe at COLUMNS=80 keeps each target and whether it is ready; --wide shows every capability', async () => {
    const [narrow, wide] = await Promise.all([
      runCli(['probe', 'scenarios/regional-clouds.yaml', '--mock'], { env: cliEnv({ COLUMNS: '80' }), timeoutMs: 60_000 }),
      runCli(['probe', 'scenarios/regional-clouds.yaml', '--mock', '--wide'], { env: cliEnv({ COLUMNS: '80' }), timeoutMs: 60_000 }),
    ]);
    expect(narrow.code, narrow.stderr).toBe(ExitCode.Ok);
    expect(longest(narrow.stdout)).toBeLessThanOrEqual(80);
    expect(narrow.stdout).toMatch(/^target\s+stream\s+non-stream\s+credentials\s+path\b/m);
    expect(narrow.stdout).toMatch(/^12\/12 targets ready$/m);
    expect(longest(wide.stdout)).toBeGreaterThan(160);
    expect(wide.stdout).toMatch(/^target\s+provider\s+protocol\s+models\s+stream\b.*\bstream_options\b/m);
  }, 90_000);

  it('validate and cost at COLUMNS=80 fit too, keeping what each table is for; --wide shows every column', async () => {
    const env = cliEnv({ COLUMNS: '80' });
    const csv = ['--csv', join(dir, 'cost.csv')];
    const [plan, cost, wideCost] = await Promise.all([
      runCli(['validate', 'scenarios/seed-bakeoff.yaml', '--mock'], { env }),
      runCli(['cost', 'scenarios/cost/monthly-projection.yaml', ...csv], { env }),
      runCli(['cost', 'scenarios/cost/monthly-projection.yaml', ...csv, '--wide'], { env }),
    ]);
    for (const r of [plan, cost, wideCost]) expect(r.code, r.stderr).toBe(ExitCode.Ok);
    expect(longest(plan.stdout)).toBeLessThanOrEqual(80);
    expect(plan.stdout).toMatch(/^target\s+region\s+model\s+requests\s+endpoint$/m);
    expect(longest(cost.stdout)).toBeLessThanOrEqual(80);
    expect(cost.stdout).toMatch(/^model\s+total \/ month\b.*× vs cheapest$/m);
    expect(longest(wideCost.stdout)).toBeGreaterThan(80);
    expect(wideCost.stdout).toMatch(/^model\s+monthly input \$\s+monthly output \$/m);
  }, 60_000);
});
