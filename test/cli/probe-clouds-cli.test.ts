import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { ProbeResult } from '../../src/client/probe.js';
import { cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { jsonError, startStubServer, type StubServer } from '../support/stub-server.js';

// `bakeoff probe` on cloud targets: their endpoints serve no models list (it is not asked for, and counts against
// nothing); the embedded mock's Azure OpenAI, Azure AI Foundry, both Vertex paths and Bedrock stream and complete;
// and a cloud endpoint on loopback that refuses the key (401, 403) or does not know the model (404) is reported as
// what to check, in the target's own terms, before a run spends money.

const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };
const KEY = 'probe-clouds-not-a-real-key-0123';
const TOKEN = 'ya29.probe-clouds-not-a-real-token';

/** The four cloud forms, each on its own mock under --mock. */
const MOCKED = [
  {
    name: 'azure-eastus',
    provider: 'azure-openai',
    model: 'gpt-4o',
    apiKeyEnv: 'AZURE_OPENAI_KEY_EASTUS',
    azure: { endpoint: 'https://contoso-eastus.openai.azure.com', deployment: 'gpt-4o', apiVersion: '2024-10-21' },
    mock: FAST,
  },
  {
    name: 'foundry-swe',
    provider: 'azure-ai-foundry',
    model: 'Llama-3.3-70B-Instruct',
    apiKeyEnv: 'AZURE_AI_KEY',
    azure: { endpoint: 'https://contoso-swe.services.ai.azure.com' },
    mock: FAST,
  },
  {
    name: 'vertex-gemini',
    provider: 'vertex',
    model: 'google/gemini-2.0-flash-001',
    vertex: { project: 'my-proj', location: 'europe-west4' },
    mock: FAST,
  },
  {
    name: 'vertex-claude',
    provider: 'vertex',
    model: 'claude-3-5-sonnet-v2@20241022',
    vertex: { project: 'my-proj', location: 'europe-west1' },
    mock: FAST,
  },
  {
    name: 'bedrock-euw1',
    provider: 'bedrock',
    model: 'eu.anthropic.claude-3-5-sonnet-20241022-v2:0',
    bedrock: { region: 'eu-west-1' },
    mock: FAST,
  },
];

describe('bakeoff probe on cloud targets', () => {
  let dir: string;
  let stub: StubServer;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-probe-clouds-'));
    stub = await startStubServer((req, res) => {
      const route = (req.url ?? '').split('/')[1];
      if (route === 'bedrock') {
        // Bedrock's AccessDeniedException: its JSON body and x-amzn-errortype.
        res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/' });
        return res.end(JSON.stringify({ message: "You don't have access to the model with the specified model ID." }));
      }
      if (route === 'refuse')
        return jsonError(res, 401, 'Access denied due to invalid subscription key or wrong API endpoint.', 'invalid_request_error', '401');
      return jsonError(res, 404, 'Publisher Model `google/gemini-0.9-nope` was not found or your project does not have access to it.');
    });
  }, 60_000);

  afterAll(async () => {
    await stub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scenario = (name: string, targets: Record<string, unknown>[]) =>
    writeDoc(dir, `${name}.yaml`, { name, targets, workload: { promptTokens: 16, maxTokens: 8 }, load: { concurrency: 1, requests: 1 } });

  it('--mock --json: Azure OpenAI, Azure AI Foundry, both Vertex paths and Bedrock are ready; the models list is not applicable', async () => {
    const file = await scenario('clouds-mocked', MOCKED);
    const res = await runCli(['probe', file, '--mock', '--json', '--timeout', '10'], { env: cliEnv(), timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const results = JSON.parse(res.stdout) as ProbeResult[];
    expect(results.map((r) => [r.target, r.protocol])).toEqual([
      ['azure-eastus', 'openai-chat'],
      ['foundry-swe', 'openai-chat'],
      ['vertex-gemini', 'openai-chat'],
      ['vertex-claude', 'anthropic-messages'],
      ['bedrock-euw1', 'bedrock-converse'],
    ]);
    for (const r of results) {
      expect(r.ok, `${r.target}: ${r.streaming.error} ${r.nonStreaming.error}`).toBe(true);
      // The field that was always there stays, with the new one saying why it holds nothing.
      expect(r.models).toEqual({ ok: false, count: 0, listsModel: false, error: '', applicable: false });
      expect([r.credentials, r.path], r.target).toEqual(['accepted', 'found']);
      expect(r.streaming.contentDeltas, r.target).toBeGreaterThan(0);
      expect(r.streaming.finishReason, r.target).not.toBe('');
    }
    // Usage arrives in the stream where the preset asks for it; Foundry's endpoint is not sent stream_options, and the
    // mock (like OpenAI's plain stream) then sends none: the probe says what that means for a run.
    expect(results.map((r) => r.usageInStream)).toEqual([true, false, true, true, true]);
    expect(results.map((r) => r.advice)).toEqual([
      [],
      ['stream: no usage arrived; a run counts output tokens with its own tokenizer (token_source counted)'],
      [],
      [],
      [],
    ]);
  }, 90_000);

  it('--mock: the table says n/a for the models list and why, and every cloud target is ready', async () => {
    const file = await scenario('clouds-mocked-table', MOCKED);
    const res = await runCli(['probe', file, '--mock', '--timeout', '10'], { env: cliEnv(), timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toMatch(
      /^azure-eastus\s+azure-openai\s+openai-chat\s+n\/a\s+yes\s+\d+\s+yes\s+\w+\s+accepted\b.*\baccepted\s+found\b/m,
    );
    expect(res.stdout).toMatch(/^vertex-claude\s+vertex\s+anthropic-messages\s+n\/a\s+yes\s+\d+\s+yes\s+max_tokens\s+not sent\b/m);
    expect(res.stdout).toContain("models n/a: the cloud's endpoint serves no models list (not asked for, not counted against ready)");
    expect(res.stdout.trimEnd().split('\n').at(-1)).toBe('5/5 targets ready');
  }, 90_000);

  it('a cloud endpoint that refuses the key (401, 403) or knows no such model (404): what to check, by name; no models list asked', async () => {
    const file = await scenario('clouds-refused', [
      {
        name: 'azure-refused',
        provider: 'azure-openai',
        model: 'gpt-4o',
        apiKeyEnv: 'AZURE_OPENAI_KEY_EASTUS',
        baseUrl: `http://127.0.0.1:${stub.port}/refuse`,
        azure: { deployment: 'gpt-4o-eastus' },
      },
      {
        name: 'vertex-missing',
        provider: 'vertex',
        model: 'google/gemini-0.9-nope',
        apiKeyEnv: 'VERTEX_TOKEN',
        baseUrl: `http://127.0.0.1:${stub.port}/missing`,
        vertex: { project: 'my-proj', location: 'asia-southeast1' },
      },
      {
        name: 'bedrock-denied',
        provider: 'bedrock',
        model: 'eu.anthropic.claude-3-5-sonnet-20241022-v2:0',
        baseUrl: `http://127.0.0.1:${stub.port}/bedrock`,
        bedrock: { region: 'eu-west-1' },
      },
    ]);
    // A Bedrock API key in the variable the AWS SDK reads: sent as a bearer token, no SigV4 (no AWS credential lookup).
    const env = cliEnv({ AZURE_OPENAI_KEY_EASTUS: KEY, VERTEX_TOKEN: TOKEN, AWS_BEARER_TOKEN_BEDROCK: KEY });
    const [json, table] = await Promise.all([
      runCli(['probe', file, '--json', '--timeout', '5'], { env, timeoutMs: 30_000 }),
      runCli(['probe', file, '--timeout', '5'], { env, timeoutMs: 30_000 }),
    ]);
    expect(json.code, json.stderr).toBe(ExitCode.RuntimeFailure);
    const [azure, vertex, bedrock] = JSON.parse(json.stdout) as ProbeResult[];
    expect(azure).toMatchObject({ ok: false, credentials: 'refused', path: 'unknown', models: { applicable: false } });
    expect(azure!.advice).toEqual(['credentials refused (HTTP 401): check AZURE_OPENAI_KEY_EASTUS']);
    expect(vertex).toMatchObject({ ok: false, credentials: 'unknown', path: 'not found', models: { applicable: false } });
    expect(vertex!.advice).toEqual([
      'path not found (HTTP 404): check model "google/gemini-0.9-nope" is offered in location asia-southeast1 of project my-proj ' +
        `(http://127.0.0.1:${stub.port}/missing)`,
    ]);
    expect(bedrock).toMatchObject({ ok: false, credentials: 'refused', path: 'unknown', models: { applicable: false } });
    expect(bedrock!.advice).toEqual([
      'credentials refused (HTTP 403): check AWS_BEARER_TOKEN_BEDROCK, and model access to eu.anthropic.claude-3-5-sonnet-20241022-v2:0 ' +
        'in region eu-west-1',
    ]);

    expect(table.code).toBe(ExitCode.RuntimeFailure);
    expect(table.stdout).toMatch(/^azure-refused\s+azure-openai\s+openai-chat\s+n\/a\s+FAIL\b.*\bREFUSED\s+unknown\b/m);
    expect(table.stdout).toMatch(/^vertex-missing\s+vertex\s+openai-chat\s+n\/a\s+FAIL\b.*\bunknown\s+NOT FOUND\b/m);
    expect(table.stdout).toMatch(/^azure-refused credentials refused \(HTTP 401\): check AZURE_OPENAI_KEY_EASTUS$/m);
    expect(table.stdout).toMatch(/^vertex-missing path not found \(HTTP 404\): check model "google\/gemini-0\.9-nope"/m);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('0/3 targets ready');

    // Each went to its cloud's path under baseUrl; neither was asked for a models list; no secret was printed.
    expect(stub.requests.filter((r) => r.method !== 'POST')).toEqual([]);
    const paths = new Set(stub.requests.map((r) => r.url));
    expect(paths).toEqual(
      new Set([
        '/refuse/openai/deployments/gpt-4o-eastus/chat/completions?api-version=2024-10-21',
        '/missing/v1/projects/my-proj/locations/asia-southeast1/endpoints/openapi/chat/completions',
        '/bedrock/model/eu.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream',
        '/bedrock/model/eu.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse',
      ]),
    );
    for (const out of [json.stdout, json.stderr, table.stdout, table.stderr]) {
      expect(out).not.toContain(KEY);
      expect(out).not.toContain(TOKEN);
    }
  }, 60_000);
});
