import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MockProfile } from '../scenario/schema.js';
import { mockProfileSchema } from '../scenario/schema.js';
import { tokenizer, type Tokenizer } from '../workload/tokenizer.js';
import { singleTokenWords } from '../workload/vocabulary.js';
import { latencyModel, type LatencyModel } from './latency-model.js';
import { anthropicError, anthropicMessages } from './anthropic-flavour.js';
import { FAULT_STATUS, OUTAGE_KINDS, FaultSchedule, breakStream, breaksAt, faultResponse, type ActiveFault } from './faults.js';
import { chunk, completion, errorBody, modelList, usageChunk, type Usage } from './openai-shapes.js';

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
 * startMockServer starts the embedded mock: POST /v1/chat/completions (streaming and not,
 * stream_options.include_usage, max_tokens / max_completion_tokens), GET /v1/models, and
 * OpenAI-shaped error bodies. Latency follows the profile's seeded model (see latency-model.ts).
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
    faults: new FaultSchedule(profile.faults, performance.now(), opts.seed ?? profile.seed ?? 1),
    quirks: { usage: profile.quirks.usage ?? 'final-chunk', roleChunk: profile.quirks.roleChunk, emptyChunks: profile.quirks.emptyChunks },
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

/** Ctx is one mock server's state, shared by its protocol flavours. */
export interface Ctx {
  faults: FaultSchedule;
  quirks: { usage: 'final-chunk' | 'every-chunk' | 'none'; roleChunk: boolean; emptyChunks: boolean };
  /** Requests served at once (the server's batch capacity); more wait in FIFO order. */
  slots: number;
  active: number;
  waiting: (() => void)[];
  model: LatencyModel;
  tok: Tokenizer;
  words: string[];
  models: readonly string[];
  defaultMaxTokens: number;
  completions: number;
  seq: number;
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
  if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
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

interface ChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number;
  promptTokens: number;
}

/** parseChatRequest checks a request body the way the OpenAI API does, returning an error message or the request. */
function parseChatRequest(ctx: Ctx, raw: string): ChatRequest | { error: string; param: string | null } {
  let body: Record<string, unknown>;
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'The request body must be a JSON object.', param: null };
    body = v as Record<string, unknown>;
  } catch {
    return { error: 'We could not parse the JSON body of your request.', param: null };
  }
  if (typeof body.model !== 'string' || body.model === '') return { error: "Missing required parameter: 'model'.", param: 'model' };
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return { error: "Missing required parameter: 'messages'.", param: 'messages' };
  let promptTokens = 0;
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string')
      return { error: `Invalid value for 'messages[${i}].role'.`, param: `messages[${i}].role` };
    promptTokens += ctx.tok.count(messageText((m as { content?: unknown }).content));
  }
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || (limit as number) < 1))
    return { error: `Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got ${JSON.stringify(limit)} instead.`, param: 'max_tokens' };
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined | null;
  if (streamOptions && !body.stream)
    return { error: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: 'stream_options' };
  return {
    model: body.model,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    maxTokens: typeof limit === 'number' ? limit : ctx.defaultMaxTokens,
    promptTokens,
  };
}

/** messageText extracts the text of a message's content (a string, or an array of parts). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

function chatCompletion(ctx: Ctx, raw: string, res: ServerResponse): void {
  const parsed = parseChatRequest(ctx, raw);
  if ('error' in parsed) return json(res, 400, errorBody(parsed.error, 'invalid_request_error', null, parsed.param));
  ctx.completions++;
  const fault = ctx.faults.at(performance.now());
  if (applyEarlyFault(ctx, res, fault, 'openai')) return;
  withSlot(ctx, res, () => respond(ctx, parsed, res, fault));
}

/**
 * applyEarlyFault handles the faults that strike before any token: an error status (after the
 * round trip, as a real server's error would arrive), a hang (no answer at all), or a reset before
 * headers. It returns true when it took the request.
 */
export function applyEarlyFault(ctx: Ctx, res: ServerResponse, fault: ActiveFault | null, protocol: 'openai' | 'anthropic'): boolean {
  if (!fault) return false;
  if (FAULT_STATUS[fault.kind] !== undefined) {
    scheduler(res).at(performance.now() + ctx.model.rttMs(), () => faultResponse(res, fault, protocol));
    return true;
  }
  if (fault.kind === 'hang') return true; // never answer; the client's timeout decides
  if (fault.kind === 'reset' && fault.afterTokens === 0) {
    res.socket?.destroy();
    return true;
  }
  return false;
}

/**
 * withSlot runs `start` when the server has capacity. A server with finite capacity
 * (profile.slots) queues requests beyond it, as an inference server queues beyond its batch size:
 * the wait lands in TTFT, which is what makes a capacity knee.
 */
export function withSlot(ctx: Ctx, res: ServerResponse, start: () => void): void {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    ctx.active--;
    const next = ctx.waiting.shift();
    if (next) next();
  };
  const go = () => {
    ctx.active++;
    if (res.destroyed) return release();
    res.on('close', release);
    start();
  };
  if (ctx.active < ctx.slots) go();
  else ctx.waiting.push(go);
}

/**
 * TokenPlan is one response's generation: how many reasoning and content tokens, when each is due
 * (absolute performance.now() times, so timer lateness never accumulates), and their text.
 */
export interface TokenPlan {
  seq: number;
  headersAt: number;
  /** Due time of token k (reasoning tokens first, then content). */
  dueAt: number[];
  reasoning: number;
  content: number;
  /** 'stop' when the completion ended naturally, 'length' when it hit the token limit. */
  natural: boolean;
  text(k: number): string;
}

/** planTokens draws a response's latency and length from the mock's model. */
export function planTokens(ctx: Ctx, maxTokens: number, extraTtftMs = 0): TokenPlan {
  const m = ctx.model;
  const reasoning = Math.min(Math.max(0, maxTokens - 1), Math.max(0, Math.round(m.reasoningTokens())));
  const room = maxTokens - reasoning;
  const naturalLen = Math.max(1, Math.round(m.outputTokens()));
  const content = Math.min(room, naturalLen);
  const seq = ++ctx.seq;
  const t0 = performance.now();
  const headersAt = t0 + m.rttMs();
  const dueAt: number[] = [];
  let due = headersAt + m.ttftMs() + extraTtftMs;
  for (let k = 0; k < reasoning + content; k++) {
    if (k > 0) due += m.itlMs();
    dueAt.push(due);
  }
  return {
    seq,
    headersAt,
    dueAt,
    reasoning,
    content,
    natural: naturalLen <= room,
    // Word k of the answer: single-token words, space-separated, so a local count of the text is exact.
    text: (k) => {
      const w = ctx.words[(seq * 7919 + k * 104729) % ctx.words.length]!;
      return k === 0 || k === reasoning ? w : ' ' + w;
    },
  };
}

/** Scheduler runs callbacks at absolute times for one response, and stops when the client goes away. */
export interface Scheduler {
  at(when: number, fn: () => void): void;
  readonly closed: boolean;
}

/** scheduler makes a response's scheduler. Never fires early: Node's ms timers can fire a fractional delay up to ~1 ms before its time, so it re-checks on wake and covers the last sub-millisecond with setImmediate. */
export function scheduler(res: ServerResponse): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  res.on('close', () => {
    closed = true;
    if (timer) clearTimeout(timer);
  });
  return {
    get closed() {
      return closed;
    },
    at(when, fn) {
      const fire = () => {
        if (closed) return;
        const rem = when - performance.now();
        if (rem >= 1) timer = setTimeout(fire, Math.floor(rem));
        else if (rem > 0) setImmediate(fire);
        else fn();
      };
      fire();
    },
  };
}

function respond(ctx: Ctx, parsed: ChatRequest, res: ServerResponse, fault: ActiveFault | null): void {
  const plan = planTokens(ctx, parsed.maxTokens, fault?.kind === 'slow' ? fault.extraTtftMs : 0);
  const id = `chatcmpl-mock${plan.seq.toString(36)}`;
  const created = unixNow();
  const total = plan.reasoning + plan.content;
  const usage: Usage = { prompt_tokens: parsed.promptTokens, completion_tokens: total, total_tokens: parsed.promptTokens + total };
  const finishReason = plan.natural ? 'stop' : 'length';
  const sched = scheduler(res);
  const q = ctx.quirks;

  if (!parsed.stream) {
    sched.at(plan.dueAt[total - 1]!, () => {
      if (fault && breaksAt(fault, fault.afterTokens)) return fault.kind === 'malformed' ? void res.end('{"choices": [unterminated') : breakStream(res, fault);
      let text = '';
      for (let k = plan.reasoning; k < total; k++) text += plan.text(k);
      const body = completion(id, created, parsed.model, text, finishReason, usage);
      if (q.usage === 'none') delete (body as { usage?: unknown }).usage;
      json(res, 200, body);
    });
    return;
  }

  const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  // Usage quirks: OpenAI sends one usage chunk at the end when asked (include_usage); Gemini's
  // OpenAI endpoint puts cumulative usage on every chunk; some servers never send usage.
  const withUsage = (c: ReturnType<typeof chunk>, sent: number) =>
    q.usage === 'every-chunk' ? { ...c, usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: sent, total_tokens: usage.prompt_tokens + sent } } : c;
  sched.at(plan.headersAt, () => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': id });
    // Like OpenAI, the first chunk carries the role and empty content, before any token.
    if (q.roleChunk) send(withUsage(chunk(id, created, parsed.model, { role: 'assistant', content: '' }, null), 0));
    let k = 0;
    const next = () => {
      if (breaksAt(fault, k)) return breakStream(res, fault);
      const delta = k < plan.reasoning ? { reasoning_content: plan.text(k) } : { content: plan.text(k) };
      send(withUsage(chunk(id, created, parsed.model, delta, null), k + 1));
      if (q.emptyChunks) send(withUsage(chunk(id, created, parsed.model, { content: '' }, null), k + 1));
      k++;
      if (k < total) return sched.at(plan.dueAt[k]!, next);
      send(withUsage(chunk(id, created, parsed.model, {}, finishReason), total));
      if (parsed.includeUsage && q.usage === 'final-chunk') send(usageChunk(id, created, parsed.model, usage));
      res.end('data: [DONE]\n\n');
    };
    sched.at(plan.dueAt[0]!, next);
  });
}

/** json writes a JSON response with its length. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** unixNow is the `created` timestamp of OpenAI objects. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
