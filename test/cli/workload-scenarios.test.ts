import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli, ensureBuilt } from '../support/cli-process.js';

// `bakeoff validate` on the shipped workload scenarios (the README points users at them, so each
// must stay valid) and on a scenario whose dataset has a bad line: exit 2, the line named.

describe('bakeoff validate: shipped workload scenarios', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 130_000);

  it.each([
    { name: 'support-chat', shows: /3 turns, think/ },
    { name: 'code-review', shows: /code-review: prompt normal\(2000±300/ },
    { name: 'summarization', shows: /incl\. shared prefix 1000/ },
    { name: 'rag', shows: /prompt empirical\(10 values/ },
    { name: 'production-day', shows: /support-chat \(60%\)[\s\S]*rag \(25%\)[\s\S]*summarization \(10%\)[\s\S]*code-review \(5%\)/ },
    { name: 'routing-mix', shows: /traffic:\s+routed: one stream split cheap 80% \/ premium-reasoning 15% \/ long-form 5%/ },
    {
      name: 'dataset-replay',
      shows: /dataset datasets\/support-chats\.jsonl \(sequential\)[\s\S]*dataset datasets\/sharegpt-sample\.json \(random\)/,
    },
  ])('$name: valid (exit 0), and its plan describes the workload', async ({ name, shows }) => {
    const res = await runCli(['validate', `scenarios/${name}.yaml`], { timeoutMs: 15_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain(`scenario ${name}: valid`);
    expect(res.stdout).toMatch(shows);
  });
});

describe('bakeoff validate: a dataset with a bad line', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-dataset-'));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const good = JSON.stringify({
    messages: [
      { role: 'user', content: 'Where is my order?' },
      { role: 'assistant', content: 'On its way.' },
    ],
  });

  async function scenarioWithDataset(lines: string[]): Promise<{ scenario: string; dataset: string }> {
    await mkdir(join(dir, 'data'), { recursive: true });
    const dataset = join(dir, 'data', 'chats.jsonl');
    await writeFile(dataset, `${lines.join('\n')}\n`);
    const scenario = join(dir, 'replay.yaml');
    await writeFile(
      scenario,
      toYaml({
        name: 'bad-dataset',
        targets: [{ name: 'local', provider: 'mock', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } }],
        workloads: [
          { name: 'synthetic', weight: 1, promptTokens: 16, maxTokens: 4 },
          { name: 'replay', weight: 1, dataset: { file: 'data/chats.jsonl', order: 'sequential' }, turns: 2 },
        ],
        load: { concurrency: 1, requests: 2 },
      }),
    );
    return { scenario, dataset };
  }

  it('exits 2 and names file:LINE for each bad line (relative to the scenario file)', async () => {
    const { scenario, dataset } = await scenarioWithDataset([
      good,
      '{"messages": [oops',
      good,
      JSON.stringify({ conversations: [{ from: 'bot', value: 'hi' }] }),
    ]);
    const res = await runCli(['validate', scenario], { timeoutMs: 15_000 });
    expect(res.code, res.stdout + res.stderr).toBe(ExitCode.InvalidInput);
    const out = res.stdout + res.stderr;
    expect(out).toContain(`workloads[1].dataset.file → ${dataset}:2: not valid JSON`);
    expect(out).toContain(`${dataset}:4: conversations[0].from "bot" is not human, gpt or system`);
    expect(out).not.toContain(`${dataset}:1:`);
    expect(out).not.toContain(`${dataset}:3:`);
    expect(out).not.toContain('valid\n');
  });

  it('the same scenario with the line fixed is valid', async () => {
    const { scenario } = await scenarioWithDataset([good, good]);
    const res = await runCli(['validate', scenario], { timeoutMs: 15_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('scenario bad-dataset: valid');
  });
});
