import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';

// The baseline the timing tests compare llm-bakeoff against: the least a client can do to measure
// a streamed chat completion. A bare undici Client (one keep-alive connection, one request at a
// time) sends the request; the stream is read chunk by chunk with one performance.now() per chunk,
// each event parsed (as any client must); the first chunk holding a non-empty content delta is the
// first token. No scenario, no recorder, no tokenizer, no timeouts: nothing of llm-bakeoff.
//
// Run against the same mock at the same moment as llm-bakeoff (concurrently, in the same process),
// it sees the same machine: the same CPU contention, the same event-loop backlog, the same
// descheduling. What llm-bakeoff measures beyond it is llm-bakeoff's own overhead.

/** BaselineSample is one request as the bare client saw it; times are performance.now() ms. */
export interface BaselineSample {
  sentAt: number;
  headersMs: number;
  ttftMs: number;
  e2eMs: number;
  /** Gap before each content token after the first (0 for tokens read in the same chunk), as llm-bakeoff's ITL is. */
  itlMs: number[];
  contentDeltas: number;
}

/** BaselineOptions say what to ask the mock for. */
export interface BaselineOptions {
  baseUrl: string;
  maxTokens: number;
}

/** BareClient sends one streamed chat completion at a time over its one connection. */
export interface BareClient {
  request(): Promise<BaselineSample>;
  close(): Promise<void>;
}

/** bareClient is one undici Client (one keep-alive connection) against `baseUrl` (an API root ending in /v1). */
export function bareClient(opts: BaselineOptions): BareClient {
  const url = new URL(`${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  const conn = new Client(url.origin, { pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  const body = JSON.stringify({
    model: 'mock-model',
    messages: [{ role: 'user', content: 'Say something.' }],
    max_tokens: opts.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };

  return {
    async request() {
      const sentAt = performance.now();
      const res = await conn.request({ origin: url.origin, path: url.pathname, method: 'POST', headers, body });
      const headersAt = performance.now();
      if (res.statusCode !== 200) throw new Error(`baseline: HTTP ${res.statusCode}: ${await res.body.text()}`);
      let buf = '';
      let first: number | null = null;
      let last = 0;
      const itlMs: number[] = [];
      let contentDeltas = 0;
      for await (const bytes of res.body) {
        const at = performance.now();
        buf += (bytes as Buffer).toString('utf8');
        const events = buf.split('\n\n');
        buf = events.pop()!;
        for (const ev of events) {
          const data = ev.startsWith('data: ') ? ev.slice(6) : '';
          if (!data || data === '[DONE]') continue;
          // A non-empty content delta is a token; the role chunk's empty content and the usage chunk are not.
          const text = (JSON.parse(data) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content;
          if (!text) continue;
          contentDeltas++;
          if (first === null) first = at;
          else itlMs.push(at - last);
          last = at;
        }
      }
      const endAt = performance.now();
      if (first === null) throw new Error('baseline: the stream carried no content');
      return { sentAt, headersMs: headersAt - sentAt, ttftMs: first - sentAt, e2eMs: endAt - sentAt, itlMs, contentDeltas };
    },
    close: () => conn.close(),
  };
}

/** BaselineLoop is a closed loop of bare-client users running until stopped. */
export interface BaselineLoop {
  /** Resolves when every user has opened its connection (its first request is done): from then on it is sampling. */
  ready: Promise<void>;
  /** Stop sending; resolves with every sample (each user's first, connection-opening request left out) once in-flight requests end, or rejects with the first request that failed. */
  stop(): Promise<BaselineSample[]>;
}

/**
 * startBaselineLoop runs `users` closed-loop users, each with its own bare client (connection),
 * until stop() is called. Each user's first request opens its connection and is left out, as
 * llm-bakeoff's warmup is; then user i waits `staggerMs × i` and loops.
 */
export function startBaselineLoop(opts: BaselineOptions & { users: number; staggerMs?: number }): BaselineLoop {
  const samples: BaselineSample[] = [];
  let stopped = false;
  let failure: unknown = null;
  const opened: Promise<void>[] = [];
  const users = Array.from({ length: opts.users }, async (_, i) => {
    const client = bareClient(opts);
    let markOpen!: () => void;
    opened.push(new Promise<void>((r) => (markOpen = r)));
    try {
      // The first request opens the connection and is left out. The stagger comes after it, when
      // start-up work (module loading, a first tokenizer call) no longer blocks the event loop:
      // a blocked loop fires every pending stagger timer at once, and the users would bunch.
      await client.request();
      markOpen();
      await sleep(i * (opts.staggerMs ?? 0));
      while (!stopped) samples.push(await client.request());
    } catch (err) {
      // Kept for stop() to throw: until then nobody awaits this user, and a rejection nobody
      // handles would fail the whole test run rather than this test.
      failure ??= err;
    } finally {
      markOpen();
      await client.close();
    }
  });
  return {
    ready: Promise.all(opened).then(() => undefined),
    async stop() {
      stopped = true;
      await Promise.all(users);
      if (failure) throw failure;
      return samples;
    },
  };
}

/**
 * baselineBeside wraps a mock starter (e.g. startMockServer, handed to runScenario as startMock)
 * so that every mock it starts is also hit by a baseline loop from the moment it listens. The loop
 * is stopped just before the mock closes, so it covers the whole run; `samples()` then holds
 * what it measured.
 */
export function baselineBeside<O, M extends { readonly baseUrl: string; close(): Promise<void> }>(
  start: (opts: O) => Promise<M>,
  loop: Omit<Parameters<typeof startBaselineLoop>[0], 'baseUrl'>,
  /** Which mocks to hit (default: all), e.g. not one that hangs. */
  only: (opts: O) => boolean = () => true,
): { startMock: (opts: O) => Promise<M>; samples(): BaselineSample[] } {
  const samples: BaselineSample[] = [];
  return {
    startMock: async (opts) => {
      const mock = await start(opts);
      if (!only(opts)) return mock;
      const running = startBaselineLoop({ ...loop, baseUrl: mock.baseUrl });
      // The mock's other members (getters included) stay reachable through the prototype.
      const wrapped = Object.create(mock) as M;
      Object.defineProperty(wrapped, 'close', {
        value: async () => {
          samples.push(...(await running.stop()));
          await mock.close();
        },
      });
      return wrapped;
    },
    samples: () => samples,
  };
}

/** Observation is one request's latencies (ms) and when it started (performance.now() ms). */
export interface Observation {
  at: number;
  headersMs: number;
  ttftMs: number;
  e2eMs: number;
  /** Mean gap between tokens: (last token − first token) / (tokens − 1). Reading two tokens in one chunk moves time between gaps, not out of their sum. */
  itlMeanMs: number;
  /** Last token → end of the response (the finish and usage chunks, [DONE]): E2E − TTFT − the gaps. */
  tailMs: number;
}

/** fromBaseline is a bare-client sample as an Observation. */
export function fromBaseline(s: BaselineSample): Observation {
  return {
    at: s.sentAt,
    headersMs: s.headersMs,
    ttftMs: s.ttftMs,
    e2eMs: s.e2eMs,
    itlMeanMs: mean(s.itlMs),
    tailMs: s.e2eMs - s.ttftMs - sum(s.itlMs),
  };
}

/**
 * fromResult is an llm-bakeoff result as an Observation, timed from its schedule (where its TTFT
 * and E2E start; in a closed loop that is the send) or, with from = 'send', from its send (its
 * service time: an open loop's wait for its slot is checked as dispatch lag, not here); `origin`
 * is the performance.now() of the run clock's zero.
 */
export function fromResult(
  r: {
    scheduledAtMs: number;
    sentAtMs: number;
    headersAtMs: number | null;
    firstTokenAtMs: number | null;
    endAtMs: number;
    itlMs: readonly number[];
    coalescedGaps: number;
  },
  origin: number,
  from: 'schedule' | 'send' = 'schedule',
): Observation {
  if (r.headersAtMs === null || r.firstTokenAtMs === null) throw new Error(`request scheduled at ${r.scheduledAtMs} has no first token`);
  const t0 = from === 'send' ? r.sentAtMs : r.scheduledAtMs;
  return {
    at: origin + t0,
    headersMs: r.headersAtMs - t0,
    ttftMs: r.firstTokenAtMs - t0,
    e2eMs: r.endAtMs - t0,
    // Over every gap, timed or not: a gap read together with the token before it is 0 ms (as the bare client counts
    // it), so leaving it out of the count would put a busy machine's coalescing into this mean as excess.
    itlMeanMs: sum(r.itlMs) / (r.itlMs.length + r.coalescedGaps),
    tailMs: r.endAtMs - r.firstTokenAtMs - sum(r.itlMs),
  };
}

const METRICS = ['headersMs', 'ttftMs', 'e2eMs', 'itlMeanMs', 'tailMs'] as const;

/**
 * Excess is llm-bakeoff's latency over the bare client's, per metric: the median over paired
 * requests; `se` is each median's standard error, from a block bootstrap over 100 ms stretches of
 * time (requests close in time share a backlog, so they are resampled together).
 */
export type Excess = { pairs: number; se: Record<(typeof METRICS)[number], number> } & Record<(typeof METRICS)[number], number>;

/**
 * pairedExcess compares llm-bakeoff with the bare client request by request: each llm-bakeoff
 * request is paired with the bare requests that started within ±windowMs of it — same moment,
 * same backlog on the event loop, same neighbour load — and its excess over their median is taken;
 * the result is the median excess over all paired requests. A busy machine delays requests that
 * start together alike, whatever client sent them, so the excess stays near 0 even when the load
 * moves both clients' latencies by hundreds of ms within a run; a client that adds 10 ms to every
 * request shows an excess of 10 ms. Requests with no bare neighbour are left out (see `pairs`).
 * With pairAt = 'end', requests are paired by when they ended instead (for what happens at the
 * end of a long stream, e.g. tailMs: the backlog at the end is not the one at the start).
 */
export function pairedExcess(
  subject: readonly Observation[],
  bare: readonly Observation[],
  windowMs = 25,
  pairAt: 'start' | 'end' = 'start',
): Excess {
  const when = (o: Observation) => (pairAt === 'start' ? o.at : o.at + o.e2eMs);
  const excess = Object.fromEntries(METRICS.map((k) => [k, [] as number[]])) as Record<(typeof METRICS)[number], number[]>;
  const blockOf: number[] = [];
  for (const o of subject) {
    const near = bare.filter((b) => Math.abs(when(b) - when(o)) <= windowMs);
    if (near.length === 0) continue;
    for (const k of METRICS) excess[k].push(o[k] - median(near.map((b) => b[k])));
    blockOf.push(Math.floor(when(o) / 100));
  }
  const n = excess.ttftMs.length;
  const out = { pairs: n, se: {} } as Excess;
  for (const k of METRICS) {
    out[k] = n ? median(excess[k]) : NaN;
    out.se[k] = n ? blockBootstrapSe(excess[k], blockOf) : NaN;
  }
  return out;
}

/** blockBootstrapSe is the standard error of the median of `xs`, resampling whole blocks (same `blockOf`) with replacement; seeded, so it is the same every run. */
function blockBootstrapSe(xs: readonly number[], blockOf: readonly number[], rounds = 200): number {
  const blocks = new Map<number, number[]>();
  for (const [i, x] of xs.entries()) {
    const b = blockOf[i]!;
    const list = blocks.get(b);
    if (list) list.push(x);
    else blocks.set(b, [x]);
  }
  const list = [...blocks.values()];
  let seed = 0x9e3779b9;
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const medians: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const sample: number[] = [];
    for (let b = 0; b < list.length; b++) sample.push(...list[Math.floor(rand() * list.length)]!);
    medians.push(median(sample));
  }
  const m = medians.reduce((a, b) => a + b, 0) / rounds;
  return Math.sqrt(medians.reduce((a, b) => a + (b - m) ** 2, 0) / (rounds - 1));
}

/** median is the lower median (the same rank as an HDR histogram's p50 over the same values). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1]!;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function mean(xs: readonly number[]): number {
  return xs.length ? sum(xs) / xs.length : NaN;
}
