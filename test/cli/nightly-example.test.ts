import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { ROOT, cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';

// examples/nightly-regression.yml is a GitHub Actions workflow; no runner here, so its steps are
// checked for what they call, and the script that does the night's work (nightly.sh: run, then
// compare with the last good night) runs for real: a first night with no baseline passes, and a
// night whose mock TTFT was raised 30 % fails with compare's exit code.

const run = promisify(execFile);
const nightly = (args: string[], env: Record<string, string> = {}) =>
  run(join(ROOT, 'examples/nightly/nightly.sh'), args, { cwd: ROOT, env: cliEnv(env), timeout: 90_000, maxBuffer: 1 << 24 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('examples/nightly-regression.yml', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-nightly-'));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is a workflow that runs nightly.sh, publishes report.md and compare.md, and keeps only a passing night as the baseline', async () => {
    const wf = parseYaml(await readFile(join(ROOT, 'examples/nightly-regression.yml'), 'utf8')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { steps: { name?: string; run?: string; uses?: string; if?: string; with?: Record<string, unknown> }[] }>;
    };
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const steps = wf.jobs.bakeoff!.steps;
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('gh run download');
    expect(runs).toContain('examples/nightly/nightly.sh baseline current');
    expect(runs).toMatch(/report\.md.*GITHUB_STEP_SUMMARY/s);
    expect(runs).toMatch(/compare\.md.*GITHUB_STEP_SUMMARY/s);
    const keep = steps.find((s) => s.with?.name === '${{ env.BASELINE_ARTIFACT }}');
    expect(keep?.if).toBe('success()');
    expect(keep?.uses).toMatch(/^actions\/upload-artifact@/);
    // The scenario it runs is valid.
    const v = await runCli(['validate', join(ROOT, 'examples/nightly/scenario.yaml')]);
    expect(v.code, v.stderr).toBe(ExitCode.Ok);
  }, 60_000);

  it('nightly.sh: a first night passes with no baseline; a night with TTFT +30 % exits 6 and says REGRESSION in compare.md', async () => {
    // A small night. TTFT 300 ms, so +30 % is 90 ms: far more than a shared machine's load moves
    // one run against the next (at 60 ms, +18 ms once drowned in it).
    const scenario = await writeDoc(dir, 'night.yaml', {
      name: 'night',
      seed: 1,
      targets: [
        {
          name: 'daily-driver',
          model: 'gpt-4o-mini',
          mock: { rttMs: 0, ttftMs: { dist: 'lognormal', median: 300, sigma: 0.05 }, itlMs: 2 },
        },
      ],
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { concurrency: 16, requests: 96, warmup: 16 },
      thresholds: ['errorRate < 1%'],
    });
    const first = await nightly([join(dir, 'none'), join(dir, 'night-1'), scenario]);
    expect(first.code, first.stderr).toBe(0);
    expect(await readFile(join(dir, 'night-1', 'compare.md'), 'utf8')).toContain('No baseline yet');

    const slow = await nightly([join(dir, 'night-1'), join(dir, 'night-2'), scenario], { TTFT_REGRESSION_PERCENT: '30' });
    expect(slow.code, slow.stderr).toBe(ExitCode.CompareRegression);
    expect(slow.stderr).toContain('TTFT ×1.30');
    const md = await readFile(join(dir, 'night-2', 'compare.md'), 'utf8');
    expect(md).toMatch(/\| TTFT p50 \|.*\*\*regression\*\* \(gated\)/);
    expect(md).toContain('REGRESSION');
    const csv = await readFile(join(dir, 'night-2', 'compare.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('verdict');
  }, 120_000);
});
