import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';

// Thresholds through the binary: the pass/fail table, exit 3 on a breach and 0 without one, a run
// stopped mid-way by abortOnFail, and an invalid run whose thresholds are not judged (exit 5).

const TARGETS = [
  { name: 'fast', region: 'us-east-1', model: 'mock-model', mock: { rttMs: 0, ttftMs: 10, itlMs: 1 } },
  { name: 'slow', region: 'eu-west-1', model: 'mock-model', mock: { rttMs: 0, ttftMs: 150, itlMs: 1 } },
];

describe('bakeoff run: thresholds', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-thresholds-'));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, doc: Record<string, unknown>) {
    const out = join(dir, name);
    const res = await runCli(['run', await writeDoc(dir, `${name}.yaml`, doc), '--quiet', '--out', out], { timeoutMs: 60_000 });
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    return { res, summary };
  }

  it(`a breach: the table says which check failed on what, summary.json holds every check, exit ${ExitCode.ThresholdsBreached}`, async () => {
    // The mock never answers before its TTFT: slow's p50 is at least 150 ms however busy the machine.
    const { res, summary } = await run('breach', {
      name: 'breach',
      targets: TARGETS,
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { concurrency: 2, requests: 10 },
      thresholds: ['ttft.p50 < 100ms', { check: 'error_rate < 1%', region: 'eu-west-1' }],
    });
    expect(res.code, res.stderr).toBe(ExitCode.ThresholdsBreached);
    expect(res.stdout).toMatch(/^thresholds: 1 of 3 FAILED$/m);
    expect(res.stdout).toMatch(/^ttft\.p50 < 100ms\s+target fast\s+\S+ms\s+pass$/m);
    expect(res.stdout).toMatch(/^ttft\.p50 < 100ms\s+target slow\s+1\d\dms\s+FAIL$/m);
    expect(res.stdout).toMatch(/^error_rate < 1%\s+region eu-west-1\s+0\.0%\s+pass$/m);
    expect(summary.thresholds).toMatchObject({ evaluated: true, passed: false });
    expect(summary.thresholds!.checks.map((c) => [c.on, c.pass])).toEqual([
      ['target fast', true],
      ['target slow', false],
      ['region eu-west-1', true],
    ]);
  });

  it('no breach: exit 0', async () => {
    const { res, summary } = await run('pass', {
      name: 'pass',
      targets: TARGETS,
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { concurrency: 2, requests: 10 },
      thresholds: ['ttft.p50 >= 10ms', 'errorRate < 1%'],
    });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toMatch(/^thresholds: all 4 passed$/m);
    expect(summary.thresholds).toMatchObject({ evaluated: true, passed: true });
  });

  it('abortOnFail stops the run at the breach, once delayAbortEval has passed: status threshold, exit 3', async () => {
    const { res, summary } = await run('abort', {
      name: 'abort',
      targets: [TARGETS[1]],
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { concurrency: 2, duration: '60s' },
      thresholds: [{ check: 'ttft.p50 < 100ms', abortOnFail: true, delayAbortEval: '1s' }],
    });
    expect(res.code, res.stderr).toBe(ExitCode.ThresholdsBreached);
    expect(summary.status).toBe('threshold');
    expect(summary.stopReason).toMatch(
      /^threshold ttft\.p50 < 100ms breached on target slow \(1\d\d(\.\d+)?ms\) at \d+\.\d s \(abortOnFail\)$/,
    );
    expect(summary.thresholds!.abortedBy).toMatchObject({ threshold: 'ttft.p50 < 100ms', on: 'target slow' });
    // Judged from 1 s after the first measured request, once a second: stopped long before 60 s.
    expect(summary.thresholds!.abortedBy!.atMs).toBeGreaterThanOrEqual(1_000);
    expect(summary.durationMs).toBeLessThan(30_000);
    expect(res.stdout).toMatch(/the run was stopped at \d+\.\d s when ttft\.p50 < 100ms failed on target slow \(abortOnFail\)/);
  });

  it(`an invalid run: its thresholds are shown but not judged, and it exits ${ExitCode.RunInvalid}, not 0 or 3`, async () => {
    const { res, summary } = await run('invalid', {
      name: 'invalid',
      targets: [{ name: 'slow', model: 'mock-model', mock: { rttMs: 0, ttftMs: 300, itlMs: 1 } }],
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { rate: 40, duration: '1s', maxConnections: 2 },
      thresholds: ['ttft.p99 < 10s'],
    });
    expect(res.code, res.stderr).toBe(ExitCode.RunInvalid);
    expect(res.stdout).toMatch(/^thresholds: NOT JUDGED: the run is invalid/m);
    expect(summary.thresholds).toMatchObject({ evaluated: false, passed: null });
  });
});
