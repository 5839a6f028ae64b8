import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Tokenizer } from '../workload/tokenizer.js';
import type { LatencyModel } from './latency-model.js';
import { FAULT_STATUS, faultResponse, type ActiveFault, type FaultProtocol, type FaultSchedule } from './faults.js';

// What both protocol flavours of the mock (openai-flavour.ts, anthropic-flavour.ts) share: the
// server's state, its capacity queue, early faults, the token plan of a response and the timer
// that writes it on time. The flavours only differ in the shapes they put on the wire.

/** MockShape names whose stream the mock copies (see the scenario's mock.quirks.shape). */
export type MockShape = 'plain' | 'openai' | 'gemini' | 'deepseek' | 'anthropic';

/** Ctx is one mock server's state, shared by its protocol flavours. */
export interface Ctx {
  faults: FaultSchedule;
  quirks: {
    usage: 'final-chunk' | 'every-chunk' | 'none';
    roleChunk: boolean;
    emptyChunks: boolean;
    /** Whose live stream to copy ('plain': the mock's own shape). */
    shape: MockShape;
    cachedPromptTokens: number;
  };
  /** Requests served at once (the server's batch capacity); more wait in FIFO order. */
  slots: number;
  /** Requests served at full speed; beyond it each one's TTFT and gaps stretch by active ÷ capacity (shared compute). */
  capacity: number;
  /** Requests being served now. */
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

/**
 * applyEarlyFault handles the faults that strike before any token: an error status (after the
 * round trip, as a real server's error would arrive), a hang (no answer at all), or a reset before
 * headers. It returns true when it took the request.
 */
export function applyEarlyFault(ctx: Ctx, res: ServerResponse, fault: ActiveFault | null, protocol: FaultProtocol): boolean {
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
  /** Due time of token k (reasoning tokens first, then content), drawn as asked: ask in order. */
  dueAt(k: number): number;
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
  // Due times are drawn as they are asked for, never held as an array of every token: a
  // response is as long as its token limit, and a reply's plan must not cost memory before it is sent.
  let k0 = 0;
  // Past its capacity the server shares its compute: every draw stretches by the load at the moment it is drawn (the
  // first token's when the request is planned, each gap's when the token before it is sent).
  const stretch = () => (ctx.active > ctx.capacity ? ctx.active / ctx.capacity : 1);
  let due = headersAt + m.ttftMs() * stretch() + extraTtftMs;
  return {
    seq,
    headersAt,
    dueAt(k) {
      for (; k0 < k; k0++) due += m.itlMs() * stretch();
      return due;
    },
    reasoning,
    content,
    natural: naturalLen <= room,
    // Word k of the answer: single-token words, space-separated, so a local count of the text is exact.
    text: (k) => {
      const w = ctx.words[(seq * 7919 + k * 104729) % ctx.words.length]!;
      return k === 0 || k === reasoning ? w : ` ${w}`;
    },
  };
}

/** Scheduler runs callbacks at absolute times for one response, and stops when the client goes away. */
export interface Scheduler {
  at(when: number, fn: () => void): void;
  readonly closed: boolean;
}

/**
 * scheduler makes a response's scheduler. Never fires early: Node's ms timers can fire a fractional delay up to ~1 ms
 * before its time, so it re-checks on wake and covers the last sub-millisecond with setImmediate.
 */
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

/** messageText extracts the text of a message's content (a string, or an array of parts). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) =>
        typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '',
      )
      .join('');
  return '';
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
