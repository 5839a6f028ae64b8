import type { GroupAccumulator } from '../metrics/recorder.js';
import type { GeneratorHealth } from '../metrics/generator-health.js';
import { GENERATOR_DROPS } from '../metrics/request-result.js';
import { ERROR_OWNERS, type ErrorKind } from '../scenario/error-kinds.js';

/**
 * GENERATOR_FAILURE_LIMIT is the share of a run's arrivals that may fail on the generator's own
 * side (its descriptors, its lateness, its connection cap) before the run is invalid: past it, the
 * numbers describe the generator at least as much as the targets. The user's own abort (`aborted`: a
 * second Ctrl-C) is not among them: an interrupted run is interrupted, not invalid.
 */
export const GENERATOR_FAILURE_LIMIT = 0.01;

/**
 * SEVERE_SATURATION bounds the generator's own delay past which no latency it reports is the
 * target's: its event loop, or its dispatch, half a second late at p99. (Milder saturation is a
 * warning, in every report: generator-health.ts.)
 */
export const SEVERE_SATURATION = { eventLoopDelayP99Ms: 500, dispatchLagP99Ms: 500 } as const;

/** Validity says whether a run's numbers are the targets'. */
export interface Validity {
  valid: boolean;
  /** Why not, in words; empty when valid. */
  reasons: string[];
  /** Measured arrivals of the load (sent or dropped). */
  arrivals: number;
  /** Requests that failed on the generator's side, by kind (the user's aborts included, though they never invalidate a run). */
  generatorFailed: number;
  generatorErrorsByKind: Partial<Record<ErrorKind, number>>;
  /** Arrivals the generator dropped itself: at its connection cap, or too late to send (generator_lag). */
  generatorDropped: number;
}

/**
 * assessValidity counts the generator's own failures and drops over the groups that carry the
 * load's arrivals — failover routes when the run has them (their attempts are the routes'), else
 * targets — and judges the run against GENERATOR_FAILURE_LIMIT.
 */
export function assessValidity(groups: readonly GroupAccumulator[], generator?: GeneratorHealth): Validity {
  const routes = groups.filter((g) => g.scope === 'route');
  const streams = routes.length ? routes : groups.filter((g) => g.scope === 'target');
  let arrivals = 0;
  let generatorFailed = 0;
  let generatorDropped = 0;
  const byKind: Partial<Record<ErrorKind, number>> = {};
  let aborted = 0;
  for (const g of streams) {
    arrivals += g.arrivals;
    generatorFailed += g.generatorFailed;
    aborted += g.errorsByKind.aborted;
    for (const reason of GENERATOR_DROPS) generatorDropped += g.droppedBy[reason];
    for (const [k, n] of Object.entries(g.errorsByKind) as [ErrorKind, number][])
      if (n > 0 && ERROR_OWNERS[k] === 'generator') byKind[k] = (byKind[k] ?? 0) + n;
  }
  const reasons: string[] = [];
  // The requests a second Ctrl-C aborted were the user's doing, not the generator's failing.
  const failed = generatorFailed - aborted;
  const share = arrivals ? (failed + generatorDropped) / arrivals : 0;
  if (failed + generatorDropped > 0 && share > GENERATOR_FAILURE_LIMIT) {
    const kinds = Object.entries(byKind)
      .filter(([k]) => k !== 'aborted')
      .map(([k, n]) => `${k} ×${n}`);
    if (generatorDropped) kinds.push(`dropped by the generator ×${generatorDropped}`);
    reasons.push(
      `${failed + generatorDropped} of ${arrivals} arrivals (${(share * 100).toFixed(1)}%, limit ` +
        `${GENERATOR_FAILURE_LIMIT * 100}%) failed on the generator's own side (${kinds.join(', ')}): the ` +
        `numbers describe the generator, not only the targets`,
    );
  }
  const eld = generator?.eventLoopDelayMs?.p99 ?? null;
  const lag = generator?.dispatchLagMs?.p99 ?? null;
  if ((eld !== null && eld > SEVERE_SATURATION.eventLoopDelayP99Ms) || (lag !== null && lag > SEVERE_SATURATION.dispatchLagP99Ms))
    reasons.push(
      `the generator was saturated (event-loop delay p99 ${eld ?? '—'}ms, dispatch lag p99 ` +
        `${lag ?? '—'}ms, bound ${SEVERE_SATURATION.eventLoopDelayP99Ms}ms): its latencies include its own ` +
        `delay; lower the load or split it across processes`,
    );
  return { valid: reasons.length === 0, reasons, arrivals, generatorFailed, generatorErrorsByKind: byKind, generatorDropped };
}
