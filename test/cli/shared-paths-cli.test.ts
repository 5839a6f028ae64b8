import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { mockProfileSchema } from '../../src/scenario/schema.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, ROOT, runCli, writeDoc } from '../support/cli-process.js';

// Region honesty end to end: targets with different region labels that reach one host measure one network path, and
// `validate` and `run` say so (run: on stderr before it starts, and in summary.json's warnings). The run's "real"
// targets both point at one mock this file starts on 127.0.0.1.

const SEED = join(ROOT, 'scenarios/seed-bakeoff.yaml');
const SHARED =
  /warning: (\S+), (\S+) and (\S+) all reach (\S+) \(regions [^)]+\): their `region` is a label; they measure one network path/;

describe('bakeoff validate / run: regions that share a host', () => {
  let dir: string;
  let mock: MockServer;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-shared-paths-'));
    mock = await startMockServer({ profile: mockProfileSchema.parse({ rttMs: 0, ttftMs: 1, itlMs: 0 }), models: ['m'] });
  }, 130_000);
  afterAll(async () => {
    await mock?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('validate: the seed bake-off names each provider whose three regions reach one host; --mock none', async () => {
    const res = await runCli(['validate', SEED]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const hosts = res.stdout
      .split('\n')
      .map((l) => l.match(SHARED))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2], m[3], m[4]]);
    expect(hosts).toEqual([
      ['openai-us-east', 'openai-eu-west', 'openai-apac', 'api.openai.com'],
      ['anthropic-us-east', 'anthropic-eu-west', 'anthropic-apac', 'api.anthropic.com'],
      ['gemini-us-east', 'gemini-eu-west', 'gemini-apac', 'generativelanguage.googleapis.com'],
      ['deepseek-global-us-east', 'deepseek-global-eu-west', 'deepseek-global-apac', 'api.deepseek.com'],
    ]);
    expect(res.stdout).toContain('run from each region (--agent-region, docs/scale-out.md) or use regional endpoints');

    const mocked = await runCli(['validate', SEED, '--mock']);
    expect(mocked.code, mocked.stderr).toBe(ExitCode.Ok);
    expect(mocked.stdout).not.toContain('network path');
  });

  it('run: says so on stderr before the run and in summary.json', async () => {
    const scenario = await writeDoc(dir, 'shared.yaml', {
      name: 'shared-host',
      targets: [
        { name: 'near', region: 'us-east-1', model: 'm', baseUrl: mock.baseUrl },
        { name: 'far', region: 'ap-southeast-1', model: 'm', baseUrl: mock.baseUrl },
      ],
      workload: { promptTokens: 8, maxTokens: 2 },
      load: { concurrency: 1, requests: 2 },
    });
    const out = join(dir, 'run');
    const res = await runCli(['run', scenario, '--out', out, '-q']);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const host = new URL(mock.baseUrl).host;
    const warning = `near and far both reach ${host} (regions us-east-1, ap-southeast-1): their \`region\` is a label`;
    expect(res.stderr).toContain(`warning: ${warning}`);
    expect(res.stderr.indexOf(warning)).toBeLessThan(res.stderr.search(/^run \S+-shared-host: /m));
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.generator.warnings.filter((w) => w.startsWith(warning))).toHaveLength(1);
  });
});
