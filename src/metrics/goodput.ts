import { GOODPUT_BOUNDS, type GoodputBlock, type GoodputBound } from '../scenario/goodput-bounds.js';
import { isCounted } from './counting.js';
import { e2eMs, tpotMs, ttfcMs, ttftMs, type RequestResult } from './request-result.js';

// Goodput (docs/metrics.md#goodput): the share of a target's requests that succeeded and met every
// per-request bound named for their workload, as vLLM's `--goodput` counts good requests. The
// verdict of one request is made here, once, by sloVerdict: the recorder folds it into its groups,
// requests.csv writes it as slo_met and slo_missed; neither re-derives it.

/** GoodputPlan is which bounds apply to which requests: a workload's own block, else the scenario's. */
export interface GoodputPlan {
  /** Each workload's bounds (null: its requests are not judged). */
  byWorkload: ReadonlyMap<string, GoodputBlock | null>;
  /** The scenario's block, for requests of a workload the plan does not list. */
  scenario: GoodputBlock | null;
  /** The attainment a whole target (or route) is held to: the scenario's, else the highest any workload asks. */
  attainment: number;
  /** Every bound named by any block: a target's groups report each. */
  bounds: GoodputBound[];
}

/** goodputPlanOf is a validated scenario's plan; null when neither it nor any workload has a goodput block. */
export function goodputPlanOf(s: {
  goodput?: GoodputBlock | undefined;
  workloads: readonly { name: string; goodput?: GoodputBlock | undefined }[];
}): GoodputPlan | null {
  const byWorkload = new Map(s.workloads.map((w) => [w.name, w.goodput ?? s.goodput ?? null]));
  const blocks = [...byWorkload.values()].filter((b) => b !== null);
  if (!s.goodput && !blocks.length) return null;
  const attainment = s.goodput?.attainment ?? Math.max(...blocks.map((b) => b.attainment));
  return {
    byWorkload,
    scenario: s.goodput ?? null,
    attainment,
    bounds: GOODPUT_BOUNDS.filter((b) => blocks.some((k) => k[b] !== undefined)),
  };
}

/** boundsOf is the goodput block a record is judged by; null: none applies to its workload. */
export function boundsOf(plan: GoodputPlan, workload: string): GoodputBlock | null {
  const own = plan.byWorkload.get(workload);
  return own === undefined ? plan.scenario : own;
}

/** SLO_FAILED is the verdict bit of a failed request: never good, whatever its timings. */
export const SLO_FAILED = 1;

/** boundBit is a bound's bit in a verdict. */
export function boundBit(b: GoodputBound): number {
  return 2 << GOODPUT_BOUNDS.indexOf(b);
}

/**
 * SloVerdict is one request's verdict as bits: 0 is good, SLO_FAILED a failure, boundBit(b) a bound
 * it missed; null when it is not judged (warmup, the generator's own failure, no bounds for its
 * workload). Bits, not a list: one number per request on the hot path.
 */
export type SloVerdict = number | null;

/**
 * sloVerdict judges one record. Judged are the records the target is accountable for (isCounted:
 * measured, failure not the generator's), as the error rate's denominator. A failed request is
 * never good (SLO_FAILED, bounds not looked at). A success misses ttft/ttfc when that token never
 * came; tpot and itlMax bound what exists (a one-token reply has no TPOT and no gap to miss).
 */
export function sloVerdict(r: RequestResult, plan: GoodputPlan | null): SloVerdict {
  if (plan === null || !isCounted(r)) return null;
  const b = boundsOf(plan, r.workload);
  if (b === null) return null;
  if (r.errorKind !== null) return SLO_FAILED;
  let v = 0;
  if (b.ttft !== undefined && !within(ttftMs(r), b.ttft)) v |= boundBit('ttft');
  if (b.ttfc !== undefined && !within(ttfcMs(r), b.ttfc)) v |= boundBit('ttfc');
  if (b.itlMax !== undefined && maxGapMs(r) > b.itlMax) v |= boundBit('itlMax');
  if (b.tpot !== undefined) {
    const tpot = tpotMs(r);
    if (tpot !== null && tpot > b.tpot) v |= boundBit('tpot');
  }
  if (b.e2e !== undefined && e2eMs(r) > b.e2e) v |= boundBit('e2e');
  return v;
}

/** missedText is a verdict's slo_missed cell: the bounds missed, `;`-separated (`ttft;e2e`), `failed`, or '' when good. */
export function missedText(v: number): string {
  if (v & SLO_FAILED) return 'failed';
  return GOODPUT_BOUNDS.filter((b) => v & boundBit(b)).join(';');
}

// A bound is met at equality: "ttft: 600ms" allows 600 ms.
function within(ms: number | null, bound: number): boolean {
  return ms !== null && ms <= bound;
}

// The request's largest timed gap between tokens (0 without one).
function maxGapMs(r: RequestResult): number {
  let max = 0;
  for (const g of r.itlMs) if (g > max) max = g;
  return max;
}

/** GoodputTally counts a group's judged requests: good ones, all of them, and those that met each bound. */
export interface GoodputTally {
  good: number;
  total: number;
  met: Record<GoodputBound, number>;
  /** The share of good requests the group is held to. */
  attainment: number;
  /** The bounds its requests are judged by (reported one by one). */
  bounds: readonly GoodputBound[];
}

/** newGoodputTally is an empty tally held to `attainment`, reporting `bounds`. */
export function newGoodputTally(attainment: number, bounds: readonly GoodputBound[]): GoodputTally {
  return { good: 0, total: 0, met: { ttft: 0, ttfc: 0, itlMax: 0, tpot: 0, e2e: 0 }, attainment, bounds };
}

/** tallyOf is the tally a group starts with: a target's or route's holds every bound, a workload's its own block's; null: not judged. */
export function tallyOf(plan: GoodputPlan | null, workload: string | undefined): GoodputTally | null {
  if (plan === null) return null;
  if (workload === undefined) return newGoodputTally(plan.attainment, plan.bounds);
  const b = boundsOf(plan, workload);
  return b === null
    ? null
    : newGoodputTally(
        b.attainment,
        GOODPUT_BOUNDS.filter((k) => b[k] !== undefined),
      );
}

/**
 * tallyVerdict counts one judged request: a bound counts as met by a success that did not miss it
 * (a bound its workload does not name cannot be missed); a failure meets none.
 */
export function tallyVerdict(t: GoodputTally, v: number): void {
  t.total++;
  if (v === 0) t.good++;
  if (v & SLO_FAILED) return;
  for (const b of GOODPUT_BOUNDS) if (!(v & boundBit(b))) t.met[b]++;
}

/**
 * GoodputSummary is a group's goodput in summary.json: good and judged requests, their ratio (null
 * when none was judged), good requests per second of the group's window, the attainment the group
 * is held to, and each bound's met count and share of the judged requests. Counts, so parts merge exactly.
 */
export interface GoodputSummary {
  good: number;
  total: number;
  ratio: number | null;
  perSec: number | null;
  attainment: number;
  met: Partial<Record<GoodputBound, number>>;
  byBound: Partial<Record<GoodputBound, number | null>>;
}

/** goodputSummary writes a tally as summary.json holds it; `perSec` is the rate of good requests over the group's window. */
export function goodputSummary(
  t: Pick<GoodputTally, 'good' | 'total' | 'attainment' | 'bounds'> & { met: Partial<Record<GoodputBound, number>> },
  perSec: number | null,
): GoodputSummary {
  const share = (n: number) => (t.total ? Math.round((n / t.total) * 1e6) / 1e6 : null);
  const met: GoodputSummary['met'] = {};
  const byBound: GoodputSummary['byBound'] = {};
  for (const b of t.bounds) {
    met[b] = t.met[b] ?? 0;
    byBound[b] = share(met[b]);
  }
  return { good: t.good, total: t.total, ratio: share(t.good), perSec, attainment: t.attainment, met, byBound };
}

/** mergeGoodput adds parts' goodput (shards, workers): counts summed, ratios of the sums, rates summed (the parts ran side by side). */
export function mergeGoodput(parts: readonly (GoodputSummary | undefined)[]): GoodputSummary | undefined {
  const gs = parts.filter((g) => g !== undefined);
  if (!gs.length) return undefined;
  const bounds = GOODPUT_BOUNDS.filter((b) => gs.some((g) => g.met[b] !== undefined));
  const met: Partial<Record<GoodputBound, number>> = {};
  for (const b of bounds) met[b] = gs.reduce((n, g) => n + (g.met[b] ?? 0), 0);
  const rates = gs.map((g) => g.perSec).filter((r) => r !== null);
  return goodputSummary(
    {
      good: gs.reduce((n, g) => n + g.good, 0),
      total: gs.reduce((n, g) => n + g.total, 0),
      attainment: Math.max(...gs.map((g) => g.attainment)),
      bounds,
      met,
    },
    rates.length ? Math.round(rates.reduce((a, b) => a + b, 0) * 1000) / 1000 : null,
  );
}
