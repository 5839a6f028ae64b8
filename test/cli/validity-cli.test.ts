import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { REFUSED_BASE_URL } from '../support/stub-server.js';

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

// A run in which not one request succeeded once exited 0 when it had no thresholds (0 of 13 ok against a wrong port):
// a nightly job stayed green.
describe('bakeoff run: no successful request', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-no-success-'));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const wrongPort = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    targets: [{ name: 'gw-us', model: 'gpt-4o-mini', baseUrl: REFUSED_BASE_URL }],
    workload: { promptTokens: 16, maxTokens: 4 },
    load: { concurrency: 2, requests: 6, errorBackoff: '10ms' },
    ...extra,
  });

  it(`a wrong port and no thresholds: the report's first line says so, exit ${ExitCode.NoSuccess}`, async () => {
    const out = join(dir, 'none');
    const res = await runCli(['run', await writeDoc(dir, 'none.yaml', wrongPort('none')), '--quiet', '--out', out], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(ExitCode.NoSuccess);
    expect(res.stdout.split('\n')[0]).toMatch(/^NO SUCCESSFUL REQUEST: 0 of 6 ok — connect_error ×6 \(.+\)$/);
    // bakeoff report --exit-code re-judges the kept run the same way.
    const again = await runCli(['report', out, '--quiet', '--exit-code'], { timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(ExitCode.NoSuccess);
  });

  it('with a threshold that fails too, the threshold wins (exit 3), and the first line still says so', async () => {
    const out = join(dir, 'slo');
    const doc = wrongPort('slo', { thresholds: ['errorRate < 1%'] });
    const res = await runCli(['run', await writeDoc(dir, 'slo.yaml', doc), '--quiet', '--out', out], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(ExitCode.ThresholdsBreached);
    expect(res.stdout.split('\n')[0]).toMatch(/^NO SUCCESSFUL REQUEST: 0 of 6 ok/);
  });

  it('one success among the failures is not this case: exit 0, no such line', async () => {
    const out = join(dir, 'some');
    const doc = {
      ...wrongPort('some'),
      targets: [
        { name: 'gw-us', model: 'gpt-4o-mini', baseUrl: REFUSED_BASE_URL },
        { name: 'mock', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } },
      ],
    };
    const res = await runCli(['run', await writeDoc(dir, 'some.yaml', doc), '--quiet', '--out', out], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).not.toContain('NO SUCCESSFUL REQUEST');
  });
});
