import { hostname } from 'node:os';
import { usableCores } from './machine.js';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../metrics/clock.js';
import type { GroupLabels } from '../metrics/recorder.js';
import type { DropReason, RequestPhase, RequestResult } from '../metrics/request-result.js';
import { loadModelOf } from '../load/load-model.js';
import type { Scenario } from '../scenario/schema.js';
import type { Share } from '../scenario/share.js';
import { mergeRuns, type MergeInput } from '../summary/merge-runs.js';
import type { RunSummary } from '../summary/run-summary.js';
import { TOOL } from '../version.js';

/** WorkerSetup is what a worker thread is started with (structured-cloned: plain data only). */
export interface WorkerSetup {
  file: string;
  runId: string;
  env: Record<string, string | undefined>;
  useMock: boolean;
  share: Share;
  clock: { absoluteOriginMs: number; originEpochMs: number };
  startAtEpochMs?: number;
  fileDescriptorLimit?: number;
}

/** Messages between the parent and a worker thread. */
export type ToWorker = { type: 'stop'; reason: unknown } | { type: 'hardStop'; reason: unknown };
export type FromWorker =
  | { type: 'start'; startedAtMs: number }
  | {
      type: 'batch';
      results: RequestResult[];
      dropped: { scope: 'target' | 'route'; labels: GroupLabels; phase: RequestPhase; reason: DropReason }[];
      inFlight: [string, number][];
    }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string };

/**
 * WorkersRun is what the parent needs to run a split load: the share of this process (a shard's, or the whole), the
 * worker count, and where results go.
 */
export interface WorkersRun {
  file: string;
  runId: string;
  env: Record<string, string | undefined>;
  useMock: boolean;
  /** This process's part of the load (a shard), or the whole: each worker takes its part of it. */
  share: Share;
  workers: number;
  clock: Clock;
  startAtEpochMs?: number;
  fileDescriptorLimit?: number;
  stop: AbortSignal;
  hardStop: AbortSignal;
  onStart?: (clock: { originEpochMs: number; startedAtMs: number }) => void;
  onResult: (r: RequestResult) => void;
  onDropped?: (scope: 'target' | 'route', labels: GroupLabels, phase: RequestPhase, reason: DropReason) => void;
  onInFlight?: (target: string, delta: 1 | -1) => void;
}

/**
 * runInWorkers runs a scenario's load split over worker threads, every one on the parent's
 * clock: worker j of m takes every m-th arrival of this process's part of the load (users,
 * requests and budget divided exactly), records its own histograms, and sends its results here
 * as they come (requests.csv, progress and live metrics see one stream) and its summary at the
 * end. The summaries are merged as shards are — histograms added, never percentiles averaged —
 * and each worker's generator health is kept in `parts`. A worker that stops early (a threshold
 * with abortOnFail, its part of the budget) stops the others.
 */
export async function runInWorkers(o: WorkersRun): Promise<RunSummary> {
  const absoluteOriginMs = o.clock.absoluteOriginMs;
  if (absoluteOriginMs === undefined) throw new Error('runInWorkers needs a clock made by monotonicClock (its threads share its origin)');
  const threads: Worker[] = [];
  const summaries: (RunSummary | undefined)[] = [];
  let started = false;
  const send = (m: ToWorker) => threads.forEach((w) => w.postMessage(m));
  const onStop = () => send({ type: 'stop', reason: o.stop.reason });
  const onHardStop = () => send({ type: 'hardStop', reason: o.hardStop.reason });
  o.stop.addEventListener('abort', onStop, { once: true });
  o.hardStop.addEventListener('abort', onHardStop, { once: true });
  try {
    const runs = Array.from({ length: o.workers }, (_, j) => {
      const setup: WorkerSetup = {
        file: o.file,
        runId: o.runId,
        env: o.env,
        useMock: o.useMock,
        // Worker j of m inside share i of n: every (n·m)-th arrival from i + n·j.
        share: { index: o.share.index + o.share.count * j, count: o.share.count * o.workers },
        clock: { absoluteOriginMs, originEpochMs: o.clock.originEpochMs },
        ...(o.startAtEpochMs !== undefined ? { startAtEpochMs: o.startAtEpochMs } : {}),
        // The process's descriptors are shared: each worker caps its part.
        ...(o.fileDescriptorLimit !== undefined ? { fileDescriptorLimit: Math.floor(o.fileDescriptorLimit / o.workers) } : {}),
      };
      const w = new Worker(new URL('./run-worker.js', import.meta.url), { workerData: setup });
      threads.push(w);
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        w.on('message', (m: FromWorker) => {
          if (m.type === 'start') {
            if (!started) o.onStart?.({ originEpochMs: o.clock.originEpochMs, startedAtMs: m.startedAtMs });
            started = true;
          } else if (m.type === 'batch') {
            for (const r of m.results) o.onResult(r);
            if (o.onDropped) for (const d of m.dropped) o.onDropped(d.scope, d.labels, d.phase, d.reason);
            if (o.onInFlight) for (const [t, n] of m.inFlight) for (let k = 0; k < Math.abs(n); k++) o.onInFlight(t, n > 0 ? 1 : -1);
          } else if (m.type === 'done') {
            summaries[j] = m.summary;
            settled = true;
            // A worker stopped by a threshold or its part of the budget stops the whole run.
            if (m.summary.status === 'threshold' || m.summary.status === 'budget') send({ type: 'stop', reason: m.summary.status });
            resolve();
          } else {
            settled = true;
            reject(new Error(`worker ${j + 1} of ${o.workers}: ${m.message}`));
          }
        });
        w.on('error', (err) => {
          settled = true;
          reject(new Error(`worker ${j + 1} of ${o.workers} failed: ${err.message}`));
        });
        w.on('exit', (code) => {
          if (!settled) reject(new Error(`worker ${j + 1} of ${o.workers} exited (code ${code}) before its summary`));
        });
      });
    });
    const outcomes = await Promise.allSettled(runs);
    const failed = outcomes.find((r) => r.status === 'rejected');
    if (failed) {
      send({ type: 'hardStop', reason: 'worker failed' });
      throw (failed as PromiseRejectedResult).reason;
    }
  } finally {
    o.stop.removeEventListener('abort', onStop);
    o.hardStop.removeEventListener('abort', onHardStop);
    await Promise.all(threads.map((w) => w.terminate().catch(() => undefined)));
  }
  const host = hostname();
  const inputs: MergeInput[] = summaries.map((summary, j) => ({ summary: summary!, kind: 'worker', index: j, count: o.workers, host }));
  return mergeRuns(inputs, { runId: o.runId, tool: TOOL, maxClockSkewMs: Infinity });
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
          '--workers: failover routes keep one circuit breaker per target, which must see every failure of it; run failover drills with --workers 1 (or split them across machines with --shard)',
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
