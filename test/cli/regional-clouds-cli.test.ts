import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { ProbeResult } from '../../src/client/probe.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ROOT, cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { jsonError, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// scenarios/regional-clouds.yaml, the seed's three regions as the clouds' regional endpoints: it validates and its plan
// shows each cloud's URL built from its block; it runs with --mock, every target on its cloud's paths of the mock; and,
// with each target's endpoint replaced by a loopback server (baseUrl keeps the cloud's path), every request goes to the
// path its cloud defines, with the cloud's auth header.

const FILE = join(ROOT, 'scenarios/regional-clouds.yaml');
const TOKEN = 'ya29.regional-clouds-not-a-real-token';
const KEY = 'regional-clouds-not-a-real-key';

interface Target {
  name: string;
  provider: string;
  model: string;
  region: string;
  apiKeyEnv?: string;
  baseUrl?: string;
  azure?: { endpoint: string; deployment: string; apiVersion: string };
  vertex?: { project: string; location: string };
  bedrock?: { region: string };
}

/** The paths each target's cloud defines for a streamed and a non-streamed chat, under the root standing for its endpoint. */
function cloudPaths(t: Target): string[] {
  if (t.azure) return [`/openai/deployments/${t.azure.deployment}/chat/completions?api-version=${t.azure.apiVersion}`];
  if (t.vertex) return [`/v1/projects/${t.vertex.project}/locations/${t.vertex.location}/endpoints/openapi/chat/completions`];
  if (t.bedrock) return [`/model/${encodeURIComponent(t.model)}/converse-stream`, `/model/${encodeURIComponent(t.model)}/converse`];
  return ['/chat/completions'];
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });
/** event is one ConverseStream event in an AWS event-stream frame. */
const event = (type: string, payload: Record<string, unknown>) =>
  codec.encode({
    headers: { ':content-type': str('application/json'), ':event-type': str(type), ':message-type': str('event') },
    body: fromUtf8(JSON.stringify(payload)),
  });

/** bedrockReply answers ConverseStream in event-stream frames, and Converse in JSON, as Bedrock does. */
function bedrockReply(res: ServerResponse, stream: boolean): void {
  const usage = { inputTokens: 10, outputTokens: 4, totalTokens: 14 };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const message = { role: 'assistant', content: [{ text: 'A load test.' }] };
    res.end(JSON.stringify({ output: { message }, stopReason: 'end_turn', usage, metrics: { latencyMs: 5 } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  res.write(event('messageStart', { role: 'assistant' }));
  for (const text of ['A', ' load', ' test', '.']) res.write(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
  res.write(event('contentBlockStop', { contentBlockIndex: 0 }));
  res.write(event('messageStop', { stopReason: 'end_turn' }));
  res.end(event('metadata', { usage, metrics: { latencyMs: 5 } }));
}

/** A non-streamed chat.completion. */
function completion(res: ServerResponse): void {
  const text = JSON.stringify({
    id: 'chatcmpl-stub',
    object: 'chat.completion',
    created: 0,
    model: 'stub',
    choices: [{ index: 0, message: { role: 'assistant', content: 'A load test.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}

describe('scenarios/regional-clouds.yaml', () => {
  let dir: string;
  let stub: StubServer;
  let doc: { targets: Target[] } & Record<string, unknown>;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-regional-clouds-'));
    doc = parseYaml(await readFile(FILE, 'utf8')) as typeof doc;
    stub = await startStubServer((req, res, raw) => {
      if (req.method !== 'POST') return jsonError(res, 404, `no route ${req.url}`);
      if (req.url?.includes('/model/')) return bedrockReply(res, req.url.endsWith('/converse-stream'));
      const body = JSON.parse(raw) as { stream?: boolean };
      if (body.stream) return streamCompletion(res, ['A', ' load', ' test', '.'], { promptTokens: 10 });
      completion(res);
    });
  }, 60_000);

  afterAll(async () => {
    await stub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the seed's three regions on each cloud: Azure OpenAI, Vertex AI, Bedrock and DeepSeek via its gateway", () => {
    const regions = (provider: string) => doc.targets.filter((t) => t.provider === provider).map((t) => t.region);
    expect(regions('azure-openai')).toEqual(['eastus', 'westeurope', 'japaneast']);
    expect(regions('vertex')).toEqual(['us-central1', 'europe-west4', 'asia-southeast1']);
    expect(regions('bedrock')).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    // Each Bedrock region calls its geography's inference profile.
    expect(doc.targets.filter((t) => t.bedrock).map((t) => [t.bedrock!.region, t.model.split('.')[0]])).toEqual([
      ['us-east-1', 'us'],
      ['eu-west-1', 'eu'],
      ['ap-southeast-1', 'apac'],
    ]);
    expect(regions('deepseek-global')).toHaveLength(3);
    for (const t of doc.targets) expect(t, t.name).toHaveProperty('mock');
  });

  it('validate: exit 0, and the plan shows each cloud URL built from its block', async () => {
    const res = await runCli(['validate', FILE], { env: cliEnv(), timeoutMs: 15_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('scenario regional-clouds: valid');
    for (const t of doc.targets.filter((x) => x.azure))
      expect(res.stdout).toContain(`${t.azure!.endpoint}/openai/deployments/${t.azure!.deployment}?api-version=${t.azure!.apiVersion}`);
    for (const t of doc.targets.filter((x) => x.vertex)) {
      const { project, location } = t.vertex!;
      expect(res.stdout).toContain(
        `https://${location}-aiplatform.googleapis.com/v1/projects/${project}/locations/${location}/endpoints/openapi`,
      );
    }
    for (const t of doc.targets.filter((x) => x.bedrock))
      expect(res.stdout).toContain(`https://bedrock-runtime.${t.bedrock!.region}.amazonaws.com/model/${encodeURIComponent(t.model)}`);
  });

  it('run --mock: every target completes its requests on its cloud paths of the mock, none fails', async () => {
    const out = join(dir, 'run');
    const res = await runCli(['run', FILE, '--mock', '--out', out, '-q'], { env: cliEnv(), timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.groups.map((g) => g.target).sort()).toEqual(doc.targets.map((t) => t.name).sort());
    for (const g of summary.groups) {
      expect(g.requests.ok, g.target).toBeGreaterThan(0);
      expect(g.requests.failed, g.target).toBe(0);
    }
    // The mock's Azure route answered the Azure targets (its apim-request-id), not its plain OpenAI one.
    const rows = parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    for (const r of rows.filter((x) => x.provider === 'azure-openai')) expect(r.provider_request_id).toMatch(/^mock-chatcmpl-azure/);
  }, 90_000);

  it("with each endpoint replaced by a loopback server: every request goes to its cloud's path, with its cloud's auth", async () => {
    const base = `http://127.0.0.1:${stub.port}`;
    // baseUrl stands in for each endpoint and keeps the cloud's path; Vertex gets a token from apiKeyEnv and Bedrock an API
    // key from AWS_BEARER_TOKEN_BEDROCK (no credential lookup leaves the machine).
    const targets = doc.targets.map((t) => ({
      ...t,
      baseUrl: `${base}/${t.name}`,
      ...(t.provider === 'vertex' ? { apiKeyEnv: 'VERTEX_TOKEN' } : {}),
    }));
    const file = await writeDoc(dir, 'regional-clouds-loopback.yaml', { ...doc, targets });
    const keys = Object.fromEntries(targets.flatMap((t) => (t.apiKeyEnv ? [[t.apiKeyEnv, t.provider === 'vertex' ? TOKEN : KEY]] : [])));
    const env = cliEnv({ ...keys, AWS_BEARER_TOKEN_BEDROCK: KEY });
    const res = await runCli(['probe', file, '--json', '--timeout', '10'], { env, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    const results = JSON.parse(res.stdout) as ProbeResult[];
    for (const r of results) expect([r.target, r.ok, r.credentials, r.path]).toEqual([r.target, true, 'accepted', 'found']);

    for (const t of doc.targets) {
      const sent = stub.requests.filter((r) => r.url.startsWith(`/${t.name}/`));
      expect(sent.length, t.name).toBeGreaterThan(0);
      // Cloud targets are asked for no models list; the gateway is (GET /models, answered 404 here).
      const posts = sent.filter((r) => r.method === 'POST');
      expect(sent.length - posts.length, t.name).toBe(t.provider === 'deepseek-global' ? 1 : 0);
      expect(new Set(posts.map((r) => r.url)), t.name).toEqual(new Set(cloudPaths(t).map((p) => `/${t.name}${p}`)));
      for (const r of posts) {
        if (t.provider === 'azure-openai') expect([r.headers['api-key'], r.headers.authorization]).toEqual([KEY, undefined]);
        else if (t.provider === 'vertex') expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
        else if (t.provider === 'bedrock') expect([r.headers.authorization, r.headers['x-amz-date']]).toEqual([`Bearer ${KEY}`, undefined]);
        else expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      }
    }
    expect(res.stdout).not.toContain(KEY);
    expect(res.stdout).not.toContain(TOKEN);
  }, 90_000);
});
