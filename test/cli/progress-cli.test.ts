import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { PROGRESS_EVERY_ENV } from '../../src/cli/progress-output.js';
import { cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';

// `bakeoff run`'s progress off a terminal, end to end: requests that take ≈3 s (first token at ≈1 s, then 20 tokens
// 100 ms apart) must show in flight, and a live TTFT once their first tokens came, before any of them has ended.

describe('bakeoff run: live progress', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-progress-'));
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // In one process, and from worker threads (first tokens and in-flight changes reach the parent in batches).
  it.each([
    ['in one process', []],
    ['with --workers 2', ['--workers', '2']],
  ])(
    '%s: shows requests in flight from the start and their TTFT before the first one ends',
    async (name, flags) => {
      const scenario = await writeDoc(dir, `slow-${flags.length}.yaml`, {
        name: 'slow',
        targets: [{ name: 'slow', region: 'local', model: 'gpt-4o-mini', mock: { rttMs: 0, ttftMs: 1000, itlMs: 100 } }],
        workload: { name: 'chat', promptTokens: 16, maxTokens: 20 },
        load: { concurrency: 2, requests: 2 },
      });
      const res = await runCli(['run', scenario, '--mock', ...flags, '--out', join(dir, `out-${flags.length}`)], {
        env: cliEnv({ [PROGRESS_EVERY_ENV]: '200' }),
        timeoutMs: 60_000,
      });
      expect(res.code, `${name}: ${res.stderr}`).toBe(ExitCode.Ok);
      const lines = res.stderr.split('\n').filter((l) => / in flight \d/.test(l));
      expect(lines.length, res.stderr).toBeGreaterThan(2);
      // The plan's requests, counted as they end; the first line says what is in flight (from worker threads, the first
      // line after their first batch came).
      const first = flags.length ? lines.find((l) => !/ sent 0 /.test(l)) : lines[0];
      expect(first, res.stderr).toMatch(/^\d+\.\ds {2}0 of 2 requests {2}.*sent [12] {2}in flight [12] {2}ok 0 {2}failed 0/);
      const unfinished = lines.filter((l) => / ok 0 /.test(l));
      const live = unfinished.filter((l) => !/TTFT p50 —/.test(l));
      expect(live.length, res.stderr).toBeGreaterThan(0);
      const ttft = Number(live[0]!.match(/TTFT p50 ([\d,]+)ms/)![1]!.replace(/,/g, ''));
      expect(ttft).toBeGreaterThanOrEqual(1000);
      expect(live[0]).toMatch(/in flight [12] /);
    },
    90_000,
  );
});
