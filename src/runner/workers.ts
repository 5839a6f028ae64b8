import { hostname } from 'node:os';
import { usableCores } from './machine.js';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../metrics/clock.js';
import type { DroppedArrival } from '../metrics/recorder.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { RunOutput } from '../metrics/run-output.js';
import { loadModelOf } from '../load/load-model.js';
import type { Scenario } from '../scenario/schema.js';
import type { Share } from '../scenario/share.js';
import { mergeRuns, type MergeInput } from '../summary/merge-runs.js';
import type { RunSummary } from '../summary/run-summary.js';
import { TOOL } from '../version.js';
import { agreedStart } from './start-instant.js';
import { stopOutputs } from './run-scenario.js';
import type { ShardOf } from '../summary/shard-tag.js';

/** WorkerSetup is what a worker thread is started with (structured-cloned: plain data only). */
export interface WorkerSetup {
  file: string;
  runId: string;
  env: Record<string, string | undefined>;
  useMock: boolean;
  share: Share;
  clock: { absoluteOriginMs: number; originEpochMs: number };
  fileDescriptorLimit?: number;
}

/**
 * Messages between the parent and a worker thread: a worker says when its run is open (targets
 * resolved, mocks started) and the parent, once all are, sends the one instant they all start on.
 */
export type ToWorker = { type: 'start'; atMs: number } | { type: 'stop'; reason: unknown } | { type: 'hardStop'; reason: unknown };
export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'batch';
      results: RequestResult[];
      dropped: DroppedArrival[];
      inFlight: [string, number][];
      /** Requests' first tokens since the last batch (warmup included): target and TTFT (ms), for live views. */
      firstTokens: [string, number][];
    }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string };

/**
 * WorkersRun is what the parent needs to run a split load: the share of this process (a shard's, or the whole), the
 * worker count, and where results go.
 */
export interface WorkersRun {
  /** The scenario file: each worker loads it (and the files it names) itself. */
  file: string;
  runId: string;
  env: Record<string, string | undefined>;
  useMock: boolean;
  /** This process's part of the load (a shard), or the whole: each worker takes its part of it. */
  share: Share;
  workers: number;
  /** The run's clock, made by monotonicClock: every worker stamps its results on it. */
  clock: Clock;
  /** Wall-clock epoch ms to start sending at (`--start-at`): the workers start on it, or at once if it has passed. */
  startAtEpochMs?: number;
  fileDescriptorLimit?: number;
  stop: AbortSignal;
  hardStop: AbortSignal;
  /**
   * Where every worker's results go, as they arrive (metrics/run-output.ts): started once the
   * parent has picked the instant every worker starts its load on, stopped when every worker has
   * ended, before the merged summary.
   */
  outputs?: readonly RunOutput[];
  /** Set when this process's run is one shard of a load split across machines: the merged summary's `shard`. */
  shard?: ShardOf;
}

/**
 * runInWorkers runs a scenario's load split over worker threads, every one on the parent's
 * clock: worker j of m takes every m-th arrival of this process's part of the load (users,
 * requests and budget divided exactly), records its own histograms, and sends its results here
 * as they come (requests.csv, progress and live metrics see one stream) and its summary at the
 * end. Every worker starts its load on one instant, picked here once all are ready, so together
 * they send the one-thread schedule arrival for arrival. The summaries are merged as shards are —
 * histograms added, never percentiles averaged — and each worker's generator health is kept in
 * `parts`. A worker that stops early (a threshold with abortOnFail, its part of the budget) stops
 * the others; one that fails stops them at once.
 */
export async function runInWorkers(o: WorkersRun): Promise<RunSummary> {
  const absoluteOriginMs = o.clock.absoluteOriginMs;
  if (absoluteOriginMs === undefined) {
    await stopOutputs(o.outputs ?? []);
    throw new Error('runInWorkers needs a clock made by monotonicClock (its threads share its origin)');
  }
  const threads: Worker[] = [];
  const summaries: (RunSummary | undefined)[] = [];
  const send = (m: ToWorker) => {
    for (const w of threads) w.postMessage(m);
  };
  const onStop = () => send({ type: 'stop', reason: o.stop.reason });
  const onHardStop = () => send({ type: 'hardStop', reason: o.hardStop.reason });
  o.stop.addEventListener('abort', onStop, { once: true });
  o.hardStop.addEventListener('abort', onHardStop, { once: true });
  const failed = new AbortController();
  const fail = () => {
    if (failed.signal.aborted) return;
    failed.abort();
    send({ type: 'hardStop', reason: 'worker failed' });
  };
  let ready = 0;
  const start = async () => {
    const atMs = await agreedStart(o.clock, AbortSignal.any([o.stop, o.hardStop, failed.signal]), o.startAtEpochMs);
    for (const out of o.outputs ?? []) out.start?.({ originEpochMs: o.clock.originEpochMs, startedAtMs: atMs });
    send({ type: 'start', atMs });
  };
  const parent: Parent = {
    run: o,
    onReady: () => {
      if (++ready === o.workers) void start();
    },
    onDone: (j, summary) => {
      summaries[j] = summary;
      // A worker stopped by a threshold or its part of the budget stops the whole run.
      if (summary.status === 'threshold' || summary.status === 'budget') send({ type: 'stop', reason: summary.status });
    },
    onFail: fail,
  };
  try {
    const runs = Array.from({ length: o.workers }, (_, j) => {
      const w = new Worker(new URL('./run-worker.js', import.meta.url), { workerData: setupOf(o, j, absoluteOriginMs) });
      threads.push(w);
      return watch(w, j, parent);
    });
    const outcomes = await Promise.allSettled(runs);
    const failure = outcomes.find((r) => r.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  } finally {
    o.stop.removeEventListener('abort', onStop);
    o.hardStop.removeEventListener('abort', onHardStop);
    await Promise.all(threads.map((w) => w.terminate().catch(() => undefined)));
    await stopOutputs(o.outputs ?? []);
  }
  return mergeWorkers(o, summaries as RunSummary[]);
}

// What a worker's messages go to.
interface Parent {
  run: WorkersRun;
  onReady(): void;
  onDone(j: number, summary: RunSummary): void;
  /** A worker failed: the others are stopped at once (they may be waiting for a start that will not come). */
  onFail(): void;
}

// Worker j of m inside share i of n: every (n·m)-th arrival from i + n·j.
function setupOf(o: WorkersRun, j: number, absoluteOriginMs: number): WorkerSetup {
  return {
    file: o.file,
    runId: o.runId,
    env: o.env,
    useMock: o.useMock,
    share: { index: o.share.index + o.share.count * j, count: o.share.count * o.workers },
    clock: { absoluteOriginMs, originEpochMs: o.clock.originEpochMs },
    // The process's descriptors are shared: each worker caps its part.
    ...(o.fileDescriptorLimit !== undefined ? { fileDescriptorLimit: Math.floor(o.fileDescriptorLimit / o.workers) } : {}),
  };
}

// watch takes worker j's messages until its summary (resolves) or its failure (rejects).
function watch(w: Worker, j: number, parent: Parent): Promise<void> {
  const o = parent.run;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const failWith = (message: string) => {
      settled = true;
      parent.onFail();
      reject(new Error(message));
    };
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') parent.onReady();
      else if (m.type === 'batch') toOutputs(m, o.outputs ?? []);
      else if (m.type === 'done') {
        settled = true;
        parent.onDone(j, m.summary);
        resolve();
      } else failWith(`worker ${j + 1} of ${o.workers}: ${m.message}`);
    });
    w.on('error', (err) => failWith(`worker ${j + 1} of ${o.workers} failed: ${err.message}`));
    w.on('exit', (code) => {
      if (!settled) failWith(`worker ${j + 1} of ${o.workers} exited (code ${code}) before its summary`);
    });
  });
}

// toOutputs hands a worker's batch to the parent's outputs: each in-flight change as the ±1 steps it summed, then
// the first tokens that came.
function toOutputs(m: Extract<FromWorker, { type: 'batch' }>, outputs: readonly RunOutput[]): void {
  for (const out of outputs) {
    for (const r of m.results) out.add(r);
    if (out.dropped) for (const d of m.dropped) out.dropped(d);
    if (out.inFlight) for (const [t, n] of m.inFlight) for (let k = 0; k < Math.abs(n); k++) out.inFlight(t, n > 0 ? 1 : -1);
    if (out.firstToken) for (const [t, ms] of m.firstTokens) out.firstToken(t, ms);
  }
}

// mergeWorkers merges the workers' summaries as shards are, on the parent's clock and host.
function mergeWorkers(o: WorkersRun, summaries: RunSummary[]): RunSummary {
  const host = hostname();
  const inputs: MergeInput[] = summaries.map((summary, j) => ({ summary, kind: 'worker', index: j, count: o.workers, host }));
  return mergeRuns(inputs, { runId: o.runId, tool: TOOL, maxClockSkewMs: Infinity, ...(o.shard ? { shard: o.shard } : {}) });
}

// Below these a load fits one thread with room to spare: more threads would only add start-up.
const SMALL_RATE_PER_SEC = 100;
const SMALL_CONCURRENCY = 64;

/**
 * workersFor resolves --workers: a number as given; "auto" is the cores this process can use (its
 * CPU quota in a container) when the load
 * is large enough to need them (a peak of 100 arrivals/s or 64 users across targets), else 1 —
 * never more than the smallest user count allows (each worker needs a user of every target), and
 * 1 for what must stay in one thread (a sweep judges levels as it goes; failover breakers see
 * every failure of their target).
 */
export function workersFor(
  flag: string | undefined,
  s: Scenario,
  shardCount: number,
  cores = usableCores(),
): { workers: number } | { problem: string } {
  if (flag !== undefined && flag !== 'auto') {
    if (!/^\d+$/.test(flag) || Number(flag) < 1)
      return { problem: `--workers ${JSON.stringify(flag)}: write a whole number of threads (1 or more) or auto` };
    const n = Number(flag);
    if (n > 1 && s.failover?.length)
      return {
        problem:
          '--workers: failover routes keep one circuit breaker per target, which must see every failure of ' +
          'it; run failover drills with --workers 1 (or split them across machines with --shard)',
      };
    return { workers: n };
  }
  if (s.sweep || s.failover?.length) return { workers: 1 };
  const streams = s.routing ? 1 : s.targets.length;
  const model = loadModelOf(s.load);
  const peakRate = Math.max(s.load.rate ?? 0, ...(s.load.stages ?? []).map((st) => st.rate ?? 0)) * streams;
  const concurrencies = [
    s.load.concurrency,
    ...(s.load.stages ?? []).map((st) => st.concurrency),
    ...s.targets.map((t) => t.concurrency),
  ].filter((c): c is number => c !== undefined && c > 0);
  const users = Math.max(0, ...concurrencies) * streams;
  const large = model === 'closed' ? users >= SMALL_CONCURRENCY : peakRate >= SMALL_RATE_PER_SEC;
  if (!large) return { workers: 1 };
  const fit = model === 'closed' && concurrencies.length ? Math.floor(Math.min(...concurrencies) / shardCount) : cores;
  return { workers: Math.max(1, Math.min(cores, fit)) };
}
