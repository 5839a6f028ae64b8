import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';

// `bakeoff run --sweep`: levels from the flag on a scenario without a sweep block, the sweep
// table and knee on stdout, and every malformed flag refused with exit 2 before anything is sent.

const SCENARIO = {
  name: 'cli-sweep',
  targets: [{ name: 'local', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } }],
  workload: { promptTokens: 16, maxTokens: 4 },
  load: { concurrency: 1, duration: '300ms' },
  timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
};

describe('bakeoff run --sweep', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-sweep-'));
    file = await writeDoc(dir, 'sweep.yaml', SCENARIO);
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--sweep concurrency=1,2: one pass per level, the sweep table and the knee; summary.json holds the sweep', async () => {
    const out = join(dir, 'run');
    const res = await runCli(['run', file, '--quiet', '--out', out, '--sweep', 'concurrency=1,2'], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stderr).toMatch(/sweep level concurrency=1\n[\s\S]*sweep level concurrency=2/);
    expect(res.stdout).toMatch(/capacity sweep over concurrency, SLO: errorRate < 1%/);
    expect(res.stdout).toMatch(/knee local: concurrency=2 \(highest concurrency meeting errorRate < 1%\)/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.sweep!.steps.map((s) => s.label)).toEqual(['concurrency=1', 'concurrency=2']);
  });

  it.each<[string, string[], RegExp]>([
    ['levels that are not numbers', ['--sweep', 'rate=abc'], /--sweep: "rate=abc" is not a sweep; write e\.g\. --sweep rate=5,10,20,40/],
    ['a bare --sweep on a scenario without a sweep block', ['--sweep'], /--sweep: the scenario has no sweep: block/],
    ['fractional users', ['--sweep', 'concurrency=1.5'], /--sweep: concurrency levels must be whole numbers/],
  ])('refuses %s: exit 2, nothing written', async (_, flag, message) => {
    const out = join(dir, `bad-${flag.join('')}`);
    const res = await runCli(['run', file, '--quiet', '--out', out, ...flag]);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toMatch(message);
    await expect(readFile(join(out, 'summary.json'))).rejects.toThrow();
  });
});
