import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { ProbeResult } from '../../src/client/probe.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ROOT, cliEnv, runCli, startCli, type CliRun, ensureBuilt } from '../support/cli-process.js';
import { jsonError, REFUSED_BASE_URL, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';
import { exclusiveTiming } from '../support/timing-lock.js';

// `bakeoff probe` end to end: the seed bake-off on its mock stand-ins, then single targets on stub
// servers that reject one feature each, and one that refuses connections. Also `run` on the seed
// scenario: without keys it must stop before any traffic; with --mock (shortened) it must finish.

const SEED = join(ROOT, 'scenarios/seed-bakeoff.yaml');
const KEY_VARS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GLOBAL_API_KEY'];
/** CliExit is how a finished CLI process ended, with its output. */
type CliExit = Awaited<CliRun['exited']>;

/** The seed cases may wait up to 20s for the timing lock, then for their runs (each child killed after 60 s). */
const SEED_TIMEOUT_MS = 90_000;

const TOKENS = ['A', ' load', ' test', ' measures', ' latency', '.'];

/** keylessEnv is the CLI environment with every provider key of the seed scenario removed. */
function keylessEnv(): NodeJS.ProcessEnv {
  const env = cliEnv();
  for (const k of KEY_VARS) delete env[k];
  return env;
}

/** completion writes a non-streamed chat.completion of TOKENS. */
function completion(res: ServerResponse): void {
  const text = JSON.stringify({
    id: 'chatcmpl-stub',
    object: 'chat.completion',
    created: 0,
    model: 'stub',
    choices: [{ index: 0, message: { role: 'assistant', content: TOKENS.join('') }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: TOKENS.length, total_tokens: 10 + TOKENS.length },
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

type Behaviour = (res: ServerResponse, body: Record<string, unknown>) => void;

// Each stub route is one provider quirk the probe must discover; both serve everything else.
const behaviours: Record<string, Behaviour> = {
  // An older deployment: knows only max_tokens, and says so the way OpenAI phrases it.
  legacy: (res, body) => {
    if ('max_completion_tokens' in body)
      return jsonError(
        res,
        400,
        "Unsupported parameter: 'max_completion_tokens' is not supported with this model. Use 'max_tokens' instead.",
        'invalid_request_error',
        'unsupported_parameter',
      );
    if (body.stream)
      return streamCompletion(res, TOKENS, {
        usage: (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true,
      });
    completion(res);
  },
  // A gateway that rejects stream_options outright and never reports usage in a stream.
  noOptions: (res, body) => {
    if ('stream_options' in body) return jsonError(res, 400, 'Unrecognized request argument supplied: stream_options');
    if (body.stream) return streamCompletion(res, TOKENS, { usage: false });
    completion(res);
  },
};

describe('bakeoff probe and run on the seed bake-off', () => {
  let dir: string;
  let stub: StubServer;
  const spawned: CliRun[] = [];
  let seed: Promise<{ table: CliExit; json: CliExit; run: CliExit }>;
  const runOut = () => join(dir, 'seed-run');

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-probe-'));
    stub = await startStubServer((req, res, raw) => {
      const [, route = '', , endpoint = ''] = (req.url ?? '').split('/');
      if (req.method === 'GET' && endpoint === 'models') {
        const text = JSON.stringify({ object: 'list', data: [{ id: 'stub-model', object: 'model', created: 0, owned_by: 'stub' }] });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(text);
      }
      const behave = behaviours[route];
      if (!behave || endpoint !== 'chat') return jsonError(res, 404, `no route ${req.url}`);
      behave(res, JSON.parse(raw) as Record<string, unknown>);
    });

    // `run` on the seed matrix, shortened: 2s measured, no warmup, 24-token replies.
    const doc = parseYaml(await readFile(SEED, 'utf8')) as { load: Record<string, unknown>; workload: Record<string, unknown> };
    doc.load = { ...doc.load, duration: '2s', warmup: 0 };
    doc.workload = { ...doc.workload, maxTokens: 24 };
    const shortSeed = join(dir, 'seed-short.yaml');
    await writeFile(shortSeed, toYaml(doc));
    // The seed scenario starts 12 mock workers per process, so the three seed commands start together,
    // up front, and proceed while the quick stub cases run; the seed cases come last and await them.
    // Together they are a CPU burst of several seconds: not while another worker measures timing.
    seed = exclusiveTiming(async () => {
      const runs = [
        startCli(['probe', SEED, '--mock'], { env: keylessEnv(), timeoutMs: 60_000 }),
        startCli(['probe', SEED, '--mock', '--json'], { env: keylessEnv(), timeoutMs: 60_000 }),
        startCli(['run', shortSeed, '--mock', '--out', runOut(), '-q'], { env: keylessEnv(), timeoutMs: 60_000 }),
      ];
      spawned.push(...runs);
      const [table, json, run] = await Promise.all(runs.map((r) => r.exited));
      return { table: table!, json: json!, run: run! };
    });
  }, 130_000);

  afterAll(async () => {
    for (const run of spawned) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await stub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** scenarioFile writes a probe scenario of these targets (probe ignores workload and load). */
  const scenarioFile = async (name: string, targets: Record<string, unknown>[]) => {
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, toYaml({ name, targets, workload: { promptTokens: 16, maxTokens: 8 }, load: { concurrency: 1, requests: 1 } }));
    return path;
  };

  it("falls back to max_tokens when the server rejects max_completion_tokens; reports stream_options 'rejected' when a server rejects it", async () => {
    const base = stub.baseUrl.replace(/\/v1$/, '');
    const file = await scenarioFile('stub-quirks', [
      { name: 'legacy', provider: 'openai', model: 'stub-model', baseUrl: `${base}/legacy/v1` },
      { name: 'no-options', provider: 'openai-compatible', model: 'stub-model', baseUrl: `${base}/noOptions/v1` },
    ]);
    const res = await runCli(['probe', file, '--json', '--timeout', '5'], { env: keylessEnv(), timeoutMs: 15_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const [legacy, noOptions] = JSON.parse(res.stdout) as ProbeResult[];

    expect(legacy).toMatchObject({
      target: 'legacy',
      ok: true,
      tokenLimitField: 'max_tokens',
      streamOptions: 'accepted',
      usageInStream: true,
    });
    const legacyPosts = stub.requests
      .filter((r) => r.method === 'POST' && r.url.startsWith('/legacy/'))
      .map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(legacyPosts[0]).toHaveProperty('max_completion_tokens');
    expect(legacyPosts.slice(1).length).toBeGreaterThan(0);
    for (const b of legacyPosts.slice(1)) expect(b).toHaveProperty('max_tokens');

    expect(noOptions).toMatchObject({
      target: 'no-options',
      ok: true,
      streamOptions: 'rejected',
      usageInStream: false,
      tokenLimitField: 'max_tokens',
    });
    expect(noOptions!.streaming.error).toBe('');
  });

  it('exits 1 and prints the error when a target refuses connections', async () => {
    const deadUrl = REFUSED_BASE_URL;
    const file = await scenarioFile('dead', [{ name: 'dead', provider: 'openai-compatible', model: 'm', baseUrl: deadUrl }]);
    const res = await runCli(['probe', file, '--timeout', '5'], { env: keylessEnv(), timeoutMs: 15_000 });
    expect(res.code).toBe(ExitCode.RuntimeFailure);
    expect(res.stdout).toMatch(/^dead stream: connect_error: .*ECONNREFUSED/m);
    expect(res.stdout).toMatch(/^dead\s+openai-compatible\s+openai-chat\s+error\s+FAIL\b/m);
    expect(res.stdout.trimEnd().split('\n').at(-1)).toBe('0/1 targets ready');
  });

  it('run without --mock and without API keys: exits 2 naming OPENAI_API_KEY, before any traffic', async () => {
    const res = await runCli(['run', SEED, '-q'], { env: keylessEnv(), timeoutMs: 15_000 });
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toMatch(/targets\[0\]\.apiKeyEnv: environment variable OPENAI_API_KEY is not set/);
    for (const k of KEY_VARS) expect(res.stderr).toContain(k);
  });

  it(
    'seed bake-off --mock: a capability table of all 12 targets, each with its preset, 12/12 ready',
    async () => {
      const res = (await seed).table;
      expect(res.code, res.stderr).toBe(ExitCode.Ok);
      const rows = res.stdout.split('\n').filter((l) => /^(openai|anthropic|gemini|deepseek-global)-/.test(l));
      expect(rows).toHaveLength(12);
      for (const region of ['us-east', 'eu-west', 'apac']) {
        expect(res.stdout).toMatch(new RegExp(`^openai-${region}\\s+openai\\s+openai-chat\\b.*\\bmax_completion_tokens\\b`, 'm'));
        expect(res.stdout).toMatch(
          new RegExp(`^anthropic-${region}\\s+anthropic\\s+anthropic-messages\\b.*\\bnot sent\\s+max_tokens\\b`, 'm'),
        );
        expect(res.stdout).toMatch(new RegExp(`^gemini-${region}\\s+gemini\\s+openai-chat\\b`, 'm'));
        expect(res.stdout).toMatch(new RegExp(`^deepseek-global-${region}\\s+deepseek-global\\s+openai-chat\\b`, 'm'));
      }
      expect(res.stdout.trimEnd().split('\n').at(-1)).toBe('12/12 targets ready');
    },
    SEED_TIMEOUT_MS,
  );

  it(
    'seed bake-off --mock --json: every entry ok, each with its protocol and token-limit field',
    async () => {
      const res = (await seed).json;
      expect(res.code, res.stderr).toBe(ExitCode.Ok);
      const results = JSON.parse(res.stdout) as ProbeResult[];
      expect(results).toHaveLength(12);
      for (const r of results) {
        expect(r.ok, `${r.target}: ${r.streaming.error} ${r.nonStreaming.error}`).toBe(true);
        expect(r.usageInStream).toBe(true);
        expect(r.models).toMatchObject({ ok: true, listsModel: true });
        expect(r.protocol).toBe(r.provider === 'anthropic' ? 'anthropic-messages' : 'openai-chat');
        expect(r.tokenLimitField).toBe(r.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens');
      }
    },
    SEED_TIMEOUT_MS,
  );

  // The seed carries its SLOs as thresholds, and its mock profiles are realistic enough that the
  // premium tier's p99 can miss 600 ms: the run exits 0 or 3, whichever its own verdict says.
  it(
    'run --mock (duration shortened to 2s): 12 groups, exit code from the thresholds verdict; anthropic tokens come from usage',
    async () => {
      const res = (await seed).run;
      const summary = JSON.parse(await readFile(join(runOut(), 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.thresholds?.evaluated).toBe(true);
      expect(res.code, res.stderr).toBe(summary.thresholds?.passed ? ExitCode.Ok : ExitCode.ThresholdsBreached);
      expect(summary.status).toBe('completed');
      expect(summary.groups).toHaveLength(12);
      for (const g of summary.groups) {
        expect(g.requests.ok, g.target).toBeGreaterThan(0);
        expect(g.requests.failed, g.target).toBe(0);
        // Every mock runs to the limit: usage (cumulative on gemini) must add up to exactly that.
        expect(g.tokens.output, g.target).toBe(g.requests.ok * 24);
      }
      const anthropic = summary.groups.filter((g) => g.provider === 'anthropic');
      expect(anthropic.map((g) => g.target).sort()).toEqual(['anthropic-apac', 'anthropic-eu-west', 'anthropic-us-east']);
      for (const g of anthropic) {
        expect(g.tokens.source.usage).toBeGreaterThan(0);
        expect(g.tokens.source.counted).toBe(0);
      }
    },
    SEED_TIMEOUT_MS,
  );

  // Each client listens once to the hard-stop signal; a 12-target run must not trip Node's
  // listener-leak warning (runScenario makes one client per target for the whole run).
  it(
    'run --mock on 12 targets keeps stderr free of listener-leak warnings',
    async () => {
      const res = (await seed).run;
      expect([ExitCode.Ok, ExitCode.ThresholdsBreached], res.stderr).toContain(res.code);
      expect(res.stderr).not.toContain('MaxListenersExceededWarning');
    },
    SEED_TIMEOUT_MS,
  );
});
