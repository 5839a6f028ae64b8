import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COST_COLUMNS } from '../../src/cli/cost.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { runCli, ensureBuilt, writeDoc } from '../support/cli-process.js';

// `bakeoff cost`: monthly projections, printed and as CSV, from stated or measured (--from) request
// shapes. Expected dollars are worked out by hand in test/unit/projection.test.ts. The money side
// of `run` and `validate` (estimate, --yes, exit 4 at a budget) is in budget-cli.test.ts.

// No gap between tokens: these runs are about token counts and money, not latency.
const tiny = { rttMs: 0, ttftMs: 2, itlMs: 0 };

/** tableRow finds the row of a printed table that starts with `first` and splits it into cells. */
function tableRow(stdout: string, first: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${first} `));
  if (!line) throw new Error(`no row for ${first} in:\n${stdout}`);
  return line.trim().split(/\s{2,}/);
}

describe('bakeoff cost', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cost-cli-'));
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const file = (name: string, doc: unknown) => writeDoc(dir, name, doc);
  const csvRows = async (path: string) => parseCsv(await readFile(path, 'utf8'), { columns: true }) as Record<string, string>[];

  it('monthly-projection.yaml: exits 0, prints the hand-computed table cheapest first, and writes the same numbers as CSV', async () => {
    const csv = join(dir, 'monthly.csv');
    const res = await runCli(['cost', 'scenarios/cost/monthly-projection.yaml', '--csv', csv]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('monthly spend projection (catalog prices as of 2026-05-01, USD)');
    expect(res.stdout).toContain('support-chat: 30,000 requests, 6,000,000 input + 4,500,000 output tokens a month');
    expect(res.stdout).toContain('rag: 50,000 requests, 40,000,000 input + 20,000,000 output tokens a month');

    // model, monthly input $, monthly output $, total / month, per day (30 days), annual, × vs cheapest
    const expected = [
      ['gemini-1.5-flash', '$8.70', '$9.90', '$18.60', '$0.62', '$223.20', '1.00×'],
      ['deepseek-v4-flash', '$16.24', '$9.24', '$25.48', '$0.85', '$305.76', '1.37×'],
      ['gemini-1.5-pro', '$145.00', '$165.00', '$310.00', '$10.33', '$3,720.00', '16.67×'],
      ['gpt-4o', '$290.00', '$330.00', '$620.00', '$20.67', '$7,440.00', '33.33×'],
      ['claude-3-5-sonnet', '$348.00', '$495.00', '$843.00', '$28.10', '$10,116.00', '45.32×'],
    ];
    for (const row of expected) expect(tableRow(res.stdout, row[0]!)).toEqual(row);
    const order = expected.map(([m]) => res.stdout.indexOf(`\n${m} `));
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // By workload, columns in the same cheapest-first order.
    expect(res.stdout).toContain('by workload (total / month):');
    expect(tableRow(res.stdout, 'support-chat')).toEqual(['support-chat', '$1.80', '$2.10', '$30.00', '$60.00', '$85.50']);
    expect(tableRow(res.stdout, 'code-review')).toEqual(['code-review', '$1.50', '$2.10', '$25.00', '$50.00', '$67.50']);
    expect(tableRow(res.stdout, 'summarization')).toEqual(['summarization', '$6.30', '$10.08', '$105.00', '$210.00', '$270.00']);
    expect(tableRow(res.stdout, 'rag')).toEqual(['rag', '$9.00', '$11.20', '$150.00', '$300.00', '$420.00']);
    expect(res.stdout).toContain(`csv: ${csv}`);

    const text = await readFile(csv, 'utf8');
    expect((parseCsv(text, { to_line: 1 }) as string[][])[0]).toEqual([...COST_COLUMNS]);
    const rows = await csvRows(csv);
    expect(
      rows.map((r) => [
        r.model,
        Number(r.monthly_input_usd),
        Number(r.monthly_output_usd),
        Number(r.total_monthly_usd),
        Number(r.per_day_usd),
        Number(r.annual_usd),
        Number(r.x_vs_cheapest),
      ]),
    ).toEqual([
      ['gemini-1.5-flash', 8.7, 9.9, 18.6, 0.62, 223.2, 1],
      ['deepseek-v4-flash', 16.24, 9.24, 25.48, 0.85, 305.76, 1.37],
      ['gemini-1.5-pro', 145, 165, 310, 10.33, 3720, 16.67],
      ['gpt-4o', 290, 330, 620, 20.67, 7440, 33.33],
      ['claude-3-5-sonnet', 348, 495, 843, 28.1, 10116, 45.32],
    ]);
    // Dollars to the cent, no thousands separators, so spreadsheets read them as numbers.
    expect(rows.find((r) => r.model === 'claude-3-5-sonnet')!.annual_usd).toBe('10116.00');
  });

  it('token-volume.yaml: 50M tokens a day, 3/4 input, on every catalog model; half cents round up', async () => {
    const csv = join(dir, 'volume.csv');
    const res = await runCli(['cost', 'scenarios/cost/token-volume.yaml', '--csv', csv]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('gateway-traffic: 1,125,000,000 input + 375,000,000 output tokens a month');
    // Flash: 1,125M × $0.075 = $84.375 → $84.38; total $196.875 → $196.88; a day $6.5625 → $6.56.
    expect(tableRow(res.stdout, 'gemini-1.5-flash')).toEqual([
      'gemini-1.5-flash',
      '$84.38',
      '$112.50',
      '$196.88',
      '$6.56',
      '$2,362.50',
      '1.00×',
    ]);
    // gpt-4o-mini: $393.75 a month, $13.125 a day → $13.13.
    expect(tableRow(res.stdout, 'gpt-4o-mini')).toEqual(['gpt-4o-mini', '$168.75', '$225.00', '$393.75', '$13.13', '$4,725.00', '2.00×']);
    expect(tableRow(res.stdout, 'claude-3-5-sonnet')).toEqual([
      'claude-3-5-sonnet',
      '$3,375.00',
      '$5,625.00',
      '$9,000.00',
      '$300.00',
      '$108,000.00',
      '45.71×',
    ]);
    // One workload: no by-workload table.
    expect(res.stdout).not.toContain('by workload');
    const rows = await csvRows(csv);
    expect(rows.map((r) => [r.model, r.total_monthly_usd])).toEqual([
      ['gemini-1.5-flash', '196.88'],
      ['deepseek-v4-flash', '262.50'],
      ['deepseek-chat', '262.50'],
      ['gpt-4o-mini', '393.75'],
      ['gemini-1.5-pro', '3281.25'],
      ['gpt-4o', '6562.50'],
      ['claude-3-5-sonnet', '9000.00'],
    ]);
  });

  it('--from RUN_DIR: takes tokens per request from a measured run, per workload by name, else the run overall', async () => {
    // A mock run with two workloads named like the projection's (the mock answers the full token limit).
    const scenario = await file('measured.yaml', {
      name: 'measured',
      seed: 3,
      targets: [{ name: 'local', provider: 'mock', model: 'gpt-4o', mock: tiny }],
      workloads: [
        { name: 'support-chat', weight: 1, promptTokens: 200, maxTokens: 150 },
        { name: 'rag', weight: 1, promptTokens: 800, maxTokens: 400 },
      ],
      load: { concurrency: 8, requests: 16 },
    });
    const runDir = join(dir, 'measured-run');
    const run = await runCli(['run', scenario, '-q', '--out', runDir]);
    expect(run.code, run.stderr).toBe(ExitCode.Ok);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    const byWorkload = (w: string) => summary.groups.find((g) => g.scope === 'workload' && g.workload === w)!;
    expect(byWorkload('support-chat').tokens.input / byWorkload('support-chat').requests.total).toBe(200);
    expect(byWorkload('rag').tokens.output / byWorkload('rag').requests.ok).toBe(400);
    // The run overall (for a workload the run did not have): mean tokens per request over both.
    const target = summary.groups.find((g) => g.scope === 'target')!;
    const overallIn = Math.round(target.tokens.input / target.requests.total);
    const overallOut = Math.round(target.tokens.output / target.requests.ok);

    const projection = await file('from-run.yaml', {
      models: ['gpt-4o', 'gemini-1.5-flash'],
      workloads: [
        { name: 'support-chat', conversationsPerMonth: 10_000, turns: 3 },
        { name: 'rag', requestsPerMonth: 50_000 },
        { name: 'batch', requestsPerMonth: 1_000 },
        { name: 'stated', requestsPerMonth: 1_000, inputTokens: 1_000_000, outputTokens: 0 }, // stated tokens win over the run
      ],
    });
    const csv = join(dir, 'from-run.csv');
    const res = await runCli(['cost', projection, '--from', runDir, '--csv', csv]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('support-chat: 30,000 requests, 6,000,000 input + 4,500,000 output tokens a month');
    expect(res.stdout).toContain('rag: 50,000 requests, 40,000,000 input + 20,000,000 output tokens a month');
    expect(res.stdout).toContain(
      `batch: 1,000 requests, ${(overallIn * 1_000).toLocaleString('en-US')} input + ${(overallOut * 1_000).toLocaleString('en-US')} output tokens a month`,
    );
    expect(res.stdout).toContain('stated: 1,000 requests, 1,000,000,000 input + 0 output tokens a month');
    // By workload: support chat and RAG as in the hand-computed table ($60 + $300 on gpt-4o; $1.80 + $9.00 on Flash).
    expect(tableRow(res.stdout, 'support-chat')).toEqual(['support-chat', '$1.80', '$60.00']);
    expect(tableRow(res.stdout, 'rag')).toEqual(['rag', '$9.00', '$300.00']);
    // 1,000M stated input tokens: $75.00 on Flash, $2,500.00 on gpt-4o.
    expect(tableRow(res.stdout, 'stated')).toEqual(['stated', '$75.00', '$2,500.00']);
  });

  it('a projection with a missing volume and an unknown model exits 2 naming both problems', async () => {
    const projection = await file('bad-projection.yaml', {
      models: ['gpt-4o', 'gpt-5-turbo'],
      workloads: [
        { name: 'support-chat', inputTokens: 200, outputTokens: 150 },
        { name: 'rag', requestsPerMonth: 50_000 },
      ],
    });
    const csv = join(dir, 'bad.csv');
    const res = await runCli(['cost', projection, '--csv', csv]);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('support-chat: give requestsPerMonth, conversationsPerMonth (× turns) or tokensPerDay');
    expect(res.stderr).toContain('rag: give inputTokens and outputTokens per request (or take them from a run with --from)');
    expect(res.stderr).toMatch(/models: "gpt-5-turbo" is not in the catalog \(known: gpt-4o, /);
    expect(res.stderr).not.toContain('"gpt-4o" is not');
    expect(existsSync(csv)).toBe(false);
  });

  it('a misspelt key, a missing projection file, a run directory without summary.json, or a missing catalog exits 2', async () => {
    const misspelt = await file('misspelt.yaml', { workloads: [{ name: 'rag', requestPerMonth: 10, inputTokens: 1, outputTokens: 1 }] });
    const never = join(dir, 'never.csv');
    const [typo, missing, noRun, noCatalog] = await Promise.all([
      runCli(['cost', misspelt, '--csv', never]),
      runCli(['cost', join(dir, 'no-such.yaml'), '--csv', never]),
      runCli(['cost', 'scenarios/cost/monthly-projection.yaml', '--from', dir, '--csv', never]),
      runCli(['cost', 'scenarios/cost/monthly-projection.yaml', '--catalog', join(dir, 'no-catalog.yaml'), '--csv', never]),
    ]);
    for (const res of [typo, missing, noRun, noCatalog]) expect(res.code, res.stderr).toBe(ExitCode.InvalidInput);
    expect(typo.stderr).toMatch(/workloads\[0\]: .*requestPerMonth/);
    expect(missing.stderr).toContain('file not found');
    expect(noRun.stderr).toMatch(/--from: .* has no readable summary\.json/);
    expect(noCatalog.stderr).toMatch(/--catalog: .*pricing catalog not found/);
    expect(existsSync(never)).toBe(false);
  });

  it("off-peak.yaml on DeepSeek's 2025 price list: half the traffic in the 16:30–00:30 UTC window, and says so", async () => {
    const csv = join(dir, 'off-peak.csv');
    const res = await runCli([
      'cost',
      'scenarios/cost/off-peak.yaml',
      '--catalog',
      'pricing/examples/deepseek-offpeak-2025.yaml',
      '--csv',
      csv,
    ]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain(
      'prices: 50% of the traffic in the off-peak windows of deepseek-chat (16:30–00:30 UTC), deepseek-reasoner (16:30–00:30 UTC), the rest at list prices; no cache discounts',
    );
    // 300M in, 50M out. deepseek-chat: 300 × (0.27 + 0.135) / 2 = $60.75; 50 × (1.10 + 0.55) / 2 = $41.25.
    expect(tableRow(res.stdout, 'deepseek-chat')).toEqual(['deepseek-chat', '$60.75', '$41.25', '$102.00', '$3.40', '$1,224.00', '1.00×']);
    // deepseek-reasoner: 300 × (0.55 + 0.135) / 2 = $102.75; 50 × (2.19 + 0.55) / 2 = $68.50.
    expect(tableRow(res.stdout, 'deepseek-reasoner')).toEqual([
      'deepseek-reasoner',
      '$102.75',
      '$68.50',
      '$171.25',
      '$5.71',
      '$2,055.00',
      '1.68×',
    ]);
    // The shipped catalog has no time-of-day prices: the same file is at list prices, and says so.
    const list = await runCli(['cost', 'scenarios/cost/off-peak.yaml', '--csv', join(dir, 'off-peak-list.csv')]);
    expect(list.code, list.stderr).toBe(ExitCode.Ok);
    expect(list.stdout).toContain('prices: list prices all day, no cache discounts');
  });

  it('--catalog FILE prices with that catalog', async () => {
    const catalog = await file('house-catalog.yaml', {
      asOf: '2026-01-15',
      models: { 'house-model': { input: 1, output: 2, aliases: ['house'] } },
    });
    const projection = await file('house.yaml', {
      models: ['house'],
      workloads: [{ name: 'rag', requestsPerMonth: 50_000, inputTokens: 800, outputTokens: 400 }],
    });
    const res = await runCli(['cost', projection, '--catalog', catalog, '--csv', join(dir, 'house.csv')]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('catalog prices as of 2026-01-15');
    // 40M × $1 + 20M × $2 = $80.00 a month; $2.67 a day; $960 a year.
    expect(tableRow(res.stdout, 'house')).toEqual(['house', '$40.00', '$40.00', '$80.00', '$2.67', '$960.00', '1.00×']);
  });
});
