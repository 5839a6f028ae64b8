import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { mockProfileSchema } from '../../src/scenario/schema.js';
import { cliEnv, runCli, ensureBuilt } from '../support/cli-process.js';
import { startStubServer, type StubServer } from '../support/stub-server.js';
import { spawn, spawnSync } from 'node:child_process';
import type { Io } from '../../src/cli/io.js';
import { runCommand } from '../../src/cli/run.js';
import { CLI_MAIN, ROOT } from '../support/cli-process.js';

// The money side of `run` and `validate`, end to end: the cost estimate they print, the --yes gate
// for a run estimated above budget.confirmAboveUsd when not on a terminal, and exit 4 when a run
// stops at its budget. "Real" targets point at servers this file starts on 127.0.0.1.

// No gap between tokens: these runs are about token counts and money, not latency.
const tiny = { rttMs: 0, ttftMs: 2, itlMs: 0 };

describe('bakeoff run / validate: estimate, confirmation and budget', () => {
  let dir: string;
  let stub: StubServer;
  let mock: MockServer;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-budget-cli-'));
    // Stands where a real provider would be; any request reaching it is a test failure.
    stub = await startStubServer((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    mock = await startMockServer({ profile: mockProfileSchema.parse(tiny), models: ['gpt-4o'] });
  }, 130_000);

  afterAll(async () => {
    await stub?.close();
    await mock?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, doc: unknown) => {
    const path = join(dir, name);
    await writeFile(path, toYaml(doc));
    return path;
  };

  // gpt-4o, 1,000 prompt tokens, up to 100 out: at most 1000 × $2.50/1M + 100 × $10/1M = $0.0035 a request.
  const expensive = { promptTokens: 1_000, maxTokens: 100 };
  const KEY = 'BAKEOFF_COST_TEST_KEY';
  const withKey = cliEnv({ [KEY]: 'fake-key-for-cost-test' });

  it('run: a budget.maxUsd of $0.05 stops the run before crossing it: exit 4, BUDGET printed, results written', async () => {
    const scenario = await file('budget.yaml', {
      name: 'budget-cli',
      targets: [{ name: 'openai', model: 'gpt-4o', mock: tiny }],
      workload: expensive,
      load: { concurrency: 4, duration: '10s' },
      budget: { maxUsd: 0.05 },
    });
    const out = join(dir, 'budget-run');
    const res = await runCli(['run', scenario, '-q', '--out', out]);
    expect(res.code, res.stderr).toBe(ExitCode.BudgetReached);
    expect(res.stderr).toContain('estimated cost: $0.00 (embedded mock targets cost nothing)');
    // 14 requests × $0.0035 = $0.049; a 15th could reach $0.0525.
    expect(res.stdout).toMatch(
      /^BUDGET: budget: the next request could take spend past maxUsd \$0\.05 .*; spent \$0\.0490 on 14 requests, 15400 tokens/m,
    );
    expect(res.stdout).toMatch(/^openai\s+default\s+gpt-4o\s+14\/14\s/m);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).toBe('budget');
    expect(summary.budget).toMatchObject({ stopped: true, spentUsd: 0.049, requests: 14, tokens: 15_400 });
    expect(summary.groups[0]!.cost).toMatchObject({ model: 'gpt-4o', priced: true, totalUsd: 0.049, perSuccessfulRequestUsd: 0.0035 });
  });

  describe('an estimate above $5, without a terminal and without --yes', () => {
    let res: Awaited<ReturnType<typeof runCli>>;
    let out: string;
    beforeAll(async () => {
      const scenario = await file('too-dear.yaml', {
        name: 'too-dear',
        targets: [{ name: 'openai', provider: 'openai', model: 'gpt-4o', baseUrl: stub.baseUrl, apiKeyEnv: KEY }],
        workload: expensive,
        load: { concurrency: 4, requests: 2_000 }, // 2,000 × $0.0035 = $7.00
      });
      out = join(dir, 'too-dear-run');
      res = await runCli(['run', scenario, '-q', '--out', out], { env: withKey });
    });

    it('run: exits 2 naming --yes, before any traffic', () => {
      expect(res.code, res.stderr).toBe(ExitCode.InvalidInput);
      expect(res.stderr).toContain('estimated cost: up to $7.00 at list prices');
      expect(res.stderr).toContain('estimated cost $7.00 is above $5.00 (budget.confirmAboveUsd); pass --yes');
      expect(stub.requests).toHaveLength(0);
    });

    // A run refused for its estimate leaves no results directory, like the other exit-2 refusals.
    it('run: leaves no results directory behind', () => {
      expect(res.code).toBe(ExitCode.InvalidInput);
      expect(existsSync(out)).toBe(false);
    });
  });

  it('run: --yes lets a run above budget.confirmAboveUsd go ahead', async () => {
    const scenario = await file('confirm.yaml', {
      name: 'confirm',
      targets: [{ name: 'openai', provider: 'openai', model: 'gpt-4o', baseUrl: mock.baseUrl, apiKeyEnv: KEY }],
      workload: expensive,
      load: { concurrency: 5, requests: 10 }, // 10 × $0.0035 = $0.035
      budget: { confirmAboveUsd: 0.02 },
    });
    const before = mock.completions;
    const refused = await runCli(['run', scenario, '-q', '--out', join(dir, 'confirm-refused')], { env: withKey });
    expect(refused.code).toBe(ExitCode.InvalidInput);
    expect(refused.stderr).toContain('estimated cost $0.04 is above $0.02 (budget.confirmAboveUsd); pass --yes');
    expect(mock.completions).toBe(before);

    const out = join(dir, 'confirm-run');
    const res = await runCli(['run', scenario, '-q', '--yes', '--out', out], { env: withKey });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(mock.completions - before).toBe(10);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.groups[0]!.cost).toMatchObject({ totalUsd: 0.035, perSuccessfulRequestUsd: 0.0035 });
  });

  it('validate: prints the estimate — mocks free, real targets at list price, and what cannot be estimated', async () => {
    const counted = await file('validate-counted.yaml', {
      name: 'validate-counted',
      targets: [
        { name: 'local', model: 'gpt-4o', mock: tiny }, // the embedded mock costs nothing
        { name: 'openai', provider: 'openai', model: 'gpt-4o', baseUrl: stub.baseUrl, apiKeyEnv: KEY },
        { name: 'house', model: 'acme-7b', baseUrl: stub.baseUrl },
      ],
      workload: expensive,
      load: { concurrency: 4, requests: 2_000 },
    });
    const timed = await file('validate-duration.yaml', {
      name: 'validate-duration',
      targets: [{ name: 'openai', provider: 'openai', model: 'gpt-4o', baseUrl: stub.baseUrl, apiKeyEnv: KEY }],
      workload: expensive,
      load: { concurrency: 4, duration: '1m' },
    });
    const [priced, unknown] = await Promise.all([
      runCli(['validate', counted], { env: withKey }),
      runCli(['validate', timed], { env: withKey }),
    ]);
    expect(priced.code, priced.stderr).toBe(ExitCode.Ok);
    expect(priced.stdout).toContain(
      'estimated cost: up to $7.00 at list prices (prompt + full token limit per request); not estimated: house (no price for acme-7b)',
    );
    expect(unknown.code, unknown.stderr).toBe(ExitCode.Ok);
    // A duration-bound closed loop against a real endpoint: its request count depends on latency, so the estimate
    // assumes one and says so — 4 users × 60 s ÷ (250 ms + 10 ms × 99) = 193 requests × $0.0035 — instead of "not
    // estimated".
    expect(unknown.stdout).toMatch(
      /^estimated cost: up to \$0\.68 at list prices .*; assumed for openai ≈193 requests: a request takes 250 ms to the first token \+ 10 ms per output token/m,
    );
    expect(unknown.stdout).not.toContain('not estimated');
    expect(stub.requests).toHaveLength(0);
  });

  // On a terminal, a run estimated above confirmAboveUsd asks, and waits for a yes (it once started at once: run.ts
  // enforced the limit only off a terminal). A pseudo-terminal from util-linux's `script` stands in for the person.
  describe('on a terminal, above confirmAboveUsd', () => {
    const confirmDoc = (name: string) =>
      file(`${name}.yaml`, {
        name,
        targets: [{ name: 'openai', provider: 'openai', model: 'gpt-4o', baseUrl: mock.baseUrl, apiKeyEnv: KEY }],
        workload: expensive,
        load: { concurrency: 2, requests: 20 }, // 20 × $0.0035 = $0.07
        budget: { confirmAboveUsd: 0.01 },
      });

    it.skipIf(!hasScript)('asks "continue? [y/N]": no sends nothing (exit 2), yes runs it', async () => {
      const before = mock.completions;
      const no = await onTerminal(['run', await confirmDoc('ask-no'), '-q', '--out', join(dir, 'ask-no')], 'n');
      expect(no.code, no.output).toBe(ExitCode.InvalidInput);
      expect(no.output).toContain('estimated cost $0.07 is above $0.01 (budget.confirmAboveUsd); continue? [y/N]');
      expect(no.output).toContain('not confirmed, nothing sent');
      expect(mock.completions).toBe(before);
      expect(existsSync(join(dir, 'ask-no'))).toBe(false);

      const yes = await onTerminal(['run', await confirmDoc('ask-yes'), '-q', '--out', join(dir, 'ask-yes')], 'y');
      expect(yes.code, yes.output).toBe(ExitCode.Ok);
      expect(yes.output).toContain('continue? [y/N]');
      expect(mock.completions - before).toBe(20);
    });

    it.skipIf(!hasScript)('--yes skips the question', async () => {
      const before = mock.completions;
      const res = await onTerminal(['run', await confirmDoc('ask-skip'), '-q', '--yes', '--out', join(dir, 'ask-skip')], null);
      expect(res.code, res.output).toBe(ExitCode.Ok);
      expect(res.output).not.toContain('continue?');
      expect(mock.completions - before).toBe(20);
    });

    it('no answer (end of input, Ctrl-C) is a no: the question through the Io, nothing sent', async () => {
      const asked: string[] = [];
      const err: string[] = [];
      const io: Io = {
        out: () => undefined,
        err: (t) => void err.push(t),
        progress: () => undefined,
        clearProgress: () => undefined,
        env: withKey,
        isTty: true,
        ask: async (q) => {
          asked.push(q);
          return null;
        },
      };
      const before = mock.completions;
      const never = new AbortController().signal;
      const run = runCommand(await confirmDoc('ask-eof'), { out: join(dir, 'ask-eof') }, io, { stop: never, hardStop: never });
      await expect(run).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput, message: expect.stringMatching(/not confirmed/) });
      expect(asked).toEqual(['estimated cost $0.07 is above $0.01 (budget.confirmAboveUsd); continue? [y/N] ']);
      expect(mock.completions).toBe(before);
    });
  });
});

// util-linux's `script` gives the CLI a pseudo-terminal for stdin, stdout and stderr.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

// onTerminal runs the CLI on a pseudo-terminal and types `answer` (and Enter) once it asks; null types nothing.
function onTerminal(args: string[], answer: string | null): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, CLI_MAIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: cliEnv({ BAKEOFF_COST_TEST_KEY: 'fake-key-for-cost-test' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let typed = false;
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    output += t;
    if (answer !== null && !typed && output.includes('continue? [y/N]')) {
      typed = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      done({ code, output });
    }),
  );
}
