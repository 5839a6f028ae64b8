import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';

// A run whose generator could not keep up says so on the console and in summary.json, and exits
// with its own code: its numbers describe the generator, not the target.

describe('bakeoff run: an invalid run', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-invalid-'));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`arrivals dropped at the generator's connection cap: target vs sent rate on the console, INVALID RUN, exit ${ExitCode.RunInvalid}`, async () => {
    const file = await writeDoc(dir, 'capped.yaml', {
      name: 'capped',
      targets: [{ name: 'slow', model: 'mock-model', mock: { rttMs: 0, ttftMs: 300, itlMs: 1 } }],
      workload: { promptTokens: 16, maxTokens: 4 },
      load: { rate: 40, duration: '1s', maxConnections: 2 },
    });
    const out = join(dir, 'run');
    const res = await runCli(['run', file, '--quiet', '--out', out], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(ExitCode.RunInvalid);
    expect(res.stdout).toMatch(
      /^INVALID RUN: \d+ of 40 arrivals \([\d.]+%, limit 1%\) failed on the generator's own side \(dropped by the generator ×\d+\)/m,
    );
    expect(res.stdout).toMatch(
      /^offered load slow: target 40\.0\/s, sent [\d.]+\/s, dropped [\d.]+\/s \(connection_cap \d+\): generator saturated$/m,
    );
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.validity.valid).toBe(false);
    // The target itself failed nothing: its error rate is 0, not the drops.
    expect(summary.groups[0]!.requests.errorRate).toBe(0);
  });
});
