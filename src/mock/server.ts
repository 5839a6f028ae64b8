import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mockProfileSchema, type MockProfile } from '../scenario/schema.js';
import { tokenizer } from '../workload/tokenizer.js';
import { singleTokenWords } from '../workload/vocabulary.js';
import { latencyModel } from './latency-model.js';
import { anthropicError, anthropicMessages } from './anthropic-flavour.js';
import { chatCompletion } from './openai-flavour.js';
import { azureChatCompletion, azureRoute } from './azure-flavour.js';
import { vertexChatCompletion, vertexRoute } from './vertex-flavour.js';
import { bedrockRequest, bedrockRoute } from './bedrock-flavour.js';
import { bedrockError } from './bedrock-wire.js';
import { OUTAGE_KINDS, FaultSchedule } from './faults.js';
import { errorBody, modelList } from './openai-shapes.js';
import { applyEarlyFault, json, unixNow, type Ctx } from './serving.js';

/** MockServerOptions configures one embedded OpenAI-compatible server. */
export interface MockServerOptions {
  /** Latency model; defaults fill any field left out. */
  profile?: Partial<MockProfile>;
  seed?: number;
  /** Bind address; loopback by default, since the mock exists to be hit by a local load. */
  host?: string;
  /** 0 (default) picks a free ephemeral port. */
  port?: number;
  /** Model ids listed by GET /v1/models (any model is accepted for completions). */
  models?: readonly string[];
  /** Default completion length when a request sets no token limit. */
  defaultMaxTokens?: number;
}

/** MockServer is a running mock; `baseUrl` ends in /v1, ready to use as a target's baseUrl. */
export interface MockServer {
  readonly port: number;
  readonly baseUrl: string;
  /** Requests accepted so far (completions only). */
  readonly completions: number;
  /** Restart the fault schedule's clock now: a run anchors its mocks when it starts sending, so `from: 10s` means 10 s into the run. */
  anchor(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * startMockServer starts the embedded mock: POST /v1/chat/completions (OpenAI: streaming and
 * not, stream_options.include_usage, max_tokens / max_completion_tokens), POST /v1/messages
 * (Anthropic's Messages API, with its own event stream and error shapes), Azure OpenAI's deployment and v1 paths and
 * Azure AI Foundry's /models/chat/completions (azure-flavour.ts), Vertex AI's OpenAI-compatible and Claude paths
 * (vertex-flavour.ts), Amazon Bedrock's Converse, ConverseStream and InvokeModel (for Claude) on /model/{modelId}/…
 * (bedrock-flavour.ts), GET /v1/models, and
 * each protocol's error bodies. Latency follows the profile's seeded model (see latency-model.ts).
 */
export async function startMockServer(opts: MockServerOptions = {}): Promise<MockServer> {
  // The profile arrives validated (from a scenario or the CLI); defaults fill what is left out.
  // It is not parsed again: durations in it are already milliseconds.
  const defaults = mockProfileSchema.parse({});
  const given = opts.profile ?? {};
  const profile: MockProfile = { ...defaults, ...given, quirks: { ...defaults.quirks, ...given.quirks } };
  const model = latencyModel(profile, opts.seed ?? profile.seed ?? 1);
  const tok = tokenizer('o200k_base');
  const words = singleTokenWords(tok);
  const ctx: Ctx = {
    model,
    tok,
    words,
    models: opts.models ?? ['mock-model'],
    defaultMaxTokens: opts.defaultMaxTokens ?? 256,
    completions: 0,
    slots: profile.slots ?? Infinity,
    capacity: profile.capacity ?? Infinity,
    faults: new FaultSchedule(profile.faults, performance.now(), opts.seed ?? profile.seed ?? 1),
    quirks: {
      usage: profile.quirks.usage ?? 'final-chunk',
      roleChunk: profile.quirks.roleChunk,
      emptyChunks: profile.quirks.emptyChunks,
      shape: profile.quirks.shape ?? 'plain',
      cachedPromptTokens: profile.quirks.cachedPromptTokens ?? 0,
    },
    active: 0,
    waiting: [],
    seq: 0,
  };
  const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => handle(ctx, req, res));
  server.headersTimeout = 60_000;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const { port, address } = server.address() as AddressInfo;
  const hostForUrl = address.includes(':') ? `[${address}]` : address;
  return {
    port,
    baseUrl: `http://${hostForUrl}:${port}/v1`,
    get completions() {
      return ctx.completions;
    },
    anchor: async () => {
      ctx.faults = new FaultSchedule(profile.faults, performance.now(), opts.seed ?? profile.seed ?? 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
  if (req.method === 'GET' && (path === '/v1/models' || path === '/models' || path === '/openai/v1/models')) {
    // An outage takes the models list down too (health probes must see it); degradations do not.
    const fault = ctx.faults.at(performance.now());
    if (fault && OUTAGE_KINDS.has(fault.kind) && applyEarlyFault(ctx, res, fault, 'openai')) return;
    return json(res, 200, modelList(ctx.models, unixNow()));
  }
  if (path === '/v1/messages' || path === '/messages') {
    if (req.method !== 'POST') return json(res, 405, anthropicError('invalid_request_error', `Method ${req.method} not allowed; use POST`));
    readBody(req, (err, body) => {
      if (err) return json(res, 413, anthropicError('request_too_large', err.message));
      anthropicMessages(ctx, body!, req, res);
    });
    return;
  }
  if (path === '/v1/chat/completions' || path === '/chat/completions') {
    if (req.method !== 'POST') return json(res, 405, errorBody(`Method ${req.method} not allowed; use POST`, 'invalid_request_error'));
    readBody(req, (err, body) => {
      if (err) return json(res, 413, errorBody(err.message, 'invalid_request_error'));
      chatCompletion(ctx, body!, res);
    });
    return;
  }
  const azure = azureRoute(req.url ?? '/');
  if (azure && req.method === 'POST') {
    readBody(req, (err, body) => {
      if (err) return json(res, 413, errorBody(err.message, 'invalid_request_error'));
      azureChatCompletion(ctx, azure, req, body!, res);
    });
    return;
  }
  const vertex = vertexRoute(req.url ?? '/');
  if (vertex && req.method === 'POST') {
    readBody(req, (err, body) => {
      if (err) return json(res, 413, errorBody(err.message, 'invalid_request_error'));
      vertexChatCompletion(ctx, vertex, req, body!, res);
    });
    return;
  }
  const bedrock = bedrockRoute(req.url ?? '/');
  if (bedrock && req.method === 'POST') {
    readBody(req, (err, body) => {
      if (err) return bedrockError(res, 413, 'ValidationException', err.message);
      bedrockRequest(ctx, bedrock, req, body!, res);
    });
    return;
  }
  json(res, 404, errorBody(`Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url'));
}

function readBody(req: IncomingMessage, done: (err: Error | null, body?: string) => void): void {
  const parts: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (b: Buffer) => {
    size += b.length;
    if (size > MAX_BODY_BYTES && !failed) {
      failed = true;
      done(new Error(`Request body exceeds ${MAX_BODY_BYTES} bytes`));
    }
    if (!failed) parts.push(b);
  });
  req.on('end', () => {
    if (!failed) done(null, Buffer.concat(parts).toString('utf8'));
  });
}
