import { parseThreshold } from './threshold.js';
import { isRecord, report, type RefineCtx } from './refine.js';

const NEEDS_AN_END = 'needs duration (e.g. "30s") or requests (e.g. 200) to know when to stop';

/**
 * loadRules: the load block picks its model by which keys it sets (closed loop: concurrency; open loop: rate, trace);
 * these rules keep one model per scenario, and an end to it.
 */
export function loadRules(load: Record<string, unknown>, ctx: RefineCtx): void {
  const has = (k: string) => load[k] !== undefined;
  const stages = Array.isArray(load.stages) ? load.stages.filter(isRecord) : [];
  const open = has('rate') || has('trace') || stages.some((s) => s.rate !== undefined);
  const closed = has('concurrency') || stages.some((s) => s.concurrency !== undefined);
  if (open && closed) {
    report(ctx, [], 'mixes closed loop (concurrency) and open loop (rate, trace); choose one model');
    return;
  }
  if (!open && !closed) {
    if (stages.length)
      report(ctx, ['stages'], 'each stage needs rate (open loop: arrivals per second) or concurrency (closed loop: virtual users)');
    else report(ctx, [], 'needs concurrency (closed loop, e.g. 8), rate (open loop, e.g. 20 per second), stages or trace');
    return;
  }
  if (has('trace') && (has('rate') || has('stages'))) report(ctx, ['trace'], 'replays its own arrival times; remove rate and stages');
  stages.forEach((s, i) => {
    if ((s.rate === undefined) === (s.concurrency === undefined))
      report(
        ctx,
        ['stages', i],
        open ? 'needs rate (arrivals per second at the end of the stage)' : 'needs concurrency (virtual users at the end of the stage)',
      );
  });
  if (has('stages') && has('duration')) report(ctx, ['duration'], 'the stages set the duration; remove duration (or the stages)');
  if ((closed || has('rate')) && !has('stages') && !has('duration') && !has('requests')) report(ctx, [], NEEDS_AN_END);
  if (closed)
    for (const k of ['maxInFlight', 'maxConnections', 'maxDispatchLag', 'arrivals', 'overflow'])
      if (has(k)) report(ctx, [k], 'applies to the open loop (rate, trace) only; in a closed loop concurrency is the cap');
}

/** sweepRules: its SLO parses, and its levels are a list or one progression (closed-loop levels whole). */
export function sweepRules(sweep: Record<string, unknown>, ctx: RefineCtx): void {
  sloRules(sweep.slo, ['slo'], ctx);
  const v = sweep.values;
  if (isRecord(v)) {
    if ((v.factor === undefined) === (v.step === undefined))
      report(ctx, ['values'], 'needs factor (e.g. 2: 1, 2, 4, 8…) or step (e.g. 5: 5, 10, 15…), not both');
    if (typeof v.from === 'number' && typeof v.to === 'number' && v.to < v.from)
      report(ctx, ['values', 'to'], `must be ≥ from (${v.from})`);
  }
  if (
    sweep.over === 'concurrency' &&
    Array.isArray(sweep.values) &&
    sweep.values.some((x) => typeof x === 'number' && !Number.isInteger(x))
  )
    report(ctx, ['values'], 'concurrency levels must be whole numbers');
}

/** sloRules: each condition of an SLO list parses as a threshold. */
export function sloRules(slo: unknown, path: PropertyKey[], ctx: RefineCtx): void {
  if (!Array.isArray(slo)) return;
  slo.forEach((t, i) => {
    if (typeof t !== 'string') return;
    const parsed = parseThreshold(t);
    if ('error' in parsed) report(ctx, [...path, i], parsed.error);
  });
}
