import type { Load } from '../scenario/schema.js';
import type { Clock } from '../metrics/clock.js';
import type { DropReason, RequestPhase } from '../metrics/request-result.js';
import { prng, type Prng } from '../random/prng.js';
import { constantRate, dealt, offsetsPacer, ratePacer, type Pacer, type RateStage } from './arrivals.js';
import type { Issue, LoopStopReason, Pacing } from './arrival.js';
import { runClosedLoop } from './closed-loop.js';
import { runOpenLoop } from './open-loop.js';
import { shareCount, type Share } from '../scenario/share.js';

/** LoadModel names the three ways a scenario can drive traffic. */
export type LoadModel = 'closed' | 'open' | 'trace';

/** loadModelOf tells which model a (validated) load block describes. */
export function loadModelOf(load: Load): LoadModel {
  if (load.trace) return 'trace';
  if (load.rate !== undefined || load.stages?.some((s) => s.rate !== undefined)) return 'open';
  return 'closed';
}

/** LoadRun is everything one target's load loop needs. */
export interface LoadRun {
  load: Load;
  /** This target's closed-loop concurrency (target override or load.concurrency). */
  concurrency: number | undefined;
  /** Trace arrival offsets in ms (trace model only). */
  traceOffsetsMs?: readonly number[];
  /** Seed for Poisson arrivals; the same for every target, so arrival times are paired too. */
  seed: number;
  clock: Clock;
  /** The load's start on the run clock, shared by every loop of a pass (see runOpenLoop); absent: now. */
  startAtMs?: number;
  stop: AbortSignal;
  issue: Issue;
  onDropped: (phase: RequestPhase, scheduledAtMs: number, reason: DropReason) => void;
  /** Open loop: the generator's own cap on requests outstanding (see runOpenLoop). */
  connectionCap?: number;
  /** How the loop meets a target that pushes back (gate, backoff) and what it reports. */
  pacing?: Pacing;
  /** This loop's part of a load split across workers or shards (absent: the whole load). */
  share?: Share;
}

/** runLoad drives one target with its load model until the model's end, the request count, or a stop. */
export function runLoad(r: LoadRun): Promise<LoopStopReason> {
  const { load } = r;
  const share = r.share ?? { index: 0, count: 1 };
  const warmupMs = load.warmup && 'durationMs' in load.warmup ? load.warmup.durationMs : 0;
  const allWarmupRequests = load.warmup && 'requests' in load.warmup ? load.warmup.requests : 0;
  // A share's counts are its part of the whole load's: its users, and the arrivals (warmup first,
  // then measured, as numbered for the whole load) that fall to it.
  const warmupRequests = shareCount(allWarmupRequests, share);
  const requests = load.requests === undefined ? undefined : shareCount(load.requests, share, allWarmupRequests);
  const users = (n: number) => shareCount(n, share);
  const model = loadModelOf(load);
  if (model === 'closed') {
    return runClosedLoop({
      concurrency: users(r.concurrency ?? load.concurrency ?? 0),
      ...(load.stages ? { stages: load.stages.map((s) => ({ durationMs: s.duration, concurrency: users(s.concurrency ?? 0) })) } : {}),
      ...(load.duration !== undefined ? { durationMs: load.duration } : {}),
      ...(requests !== undefined ? { requests } : {}),
      ...(load.warmup ? { warmup: 'requests' in load.warmup ? { requests: warmupRequests } : load.warmup } : {}),
      clock: r.clock,
      ...(r.startAtMs !== undefined ? { startAtMs: r.startAtMs } : {}),
      stop: r.stop,
      issue: r.issue,
      ...(r.pacing ? { pacing: r.pacing } : {}),
    });
  }
  let pacer: Pacer;
  let capped = false;
  if (model === 'trace') {
    pacer = offsetsPacer(r.traceOffsetsMs ?? [], load.trace!.timeScale);
    if (load.duration !== undefined) {
      // A trace longer than warmup + duration is cut there, like any open loop.
      const limit = warmupMs + load.duration;
      const inner = pacer;
      pacer = {
        next() {
          const t = inner.next();
          if (t !== null && t >= limit) {
            capped = true;
            return null;
          }
          return t;
        },
      };
    }
  } else {
    const stages: RateStage[] = load.stages
      ? load.stages.map((s) => ({ durationMs: s.duration, targetPerSec: s.rate ?? 0 }))
      : // A constant rate runs its warmup (a time, or a count at the rate) and then `duration`; with
        // only a request count it runs until the count is reached.
        constantRate(load.rate!, load.duration !== undefined ? warmupMs + (warmupRequests * 1000) / load.rate! + load.duration : Infinity);
    const rng: Prng = prng(r.seed);
    pacer = ratePacer(
      load.stages ? (load.rate ?? 0) : load.rate!,
      stages,
      load.arrivals === 'poisson' ? { poisson: true, rng } : { poisson: false },
    );
  }
  // Every share follows the whole load's schedule (same seed, same Poisson draws) and sends its
  // own arrivals of it: together they send exactly what one process would.
  if (share.count > 1) pacer = dealt(pacer, share);
  return runOpenLoop({
    pacer,
    clock: r.clock,
    ...(r.startAtMs !== undefined ? { startAtMs: r.startAtMs } : {}),
    stop: r.stop,
    ...(load.maxInFlight !== undefined ? { maxInFlight: Math.max(1, users(load.maxInFlight)) } : {}),
    ...(r.connectionCap !== undefined ? { connectionCap: r.connectionCap } : {}),
    ...(load.maxDispatchLag ? { maxDispatchLagMs: load.maxDispatchLag } : {}),
    overflow: load.overflow,
    warmupMs,
    warmupRequests,
    ...(requests !== undefined ? { requests } : {}),
    issue: r.issue,
    onDropped: r.onDropped,
    ...(r.pacing ? { pacing: r.pacing } : {}),
  }).then((reason) => (capped && reason === 'schedule' ? 'duration' : reason));
}
