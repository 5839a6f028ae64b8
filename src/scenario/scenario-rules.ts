import { sloRules } from './load-rules.js';
import { isRecord, report, show, type RefineCtx } from './refine.js';
import { thresholdRules } from './threshold-rules.js';
import { parseThreshold } from './threshold.js';

/** SWEEP_BESIDE_FAILOVER: a failover drill runs at one load level, so a sweep (in the file or `run --sweep`) is refused. */
export const SWEEP_BESIDE_FAILOVER = 'cannot be combined with a sweep (yet); run the drill at one load level';

/** TRACE_IN_SWEEP: a trace replays its own arrival times, so there is no level to step. */
export const TRACE_IN_SWEEP = 'cannot step a trace replay; sweep a rate or a concurrency instead';

/**
 * scenarioRules: the rules between blocks — names unique, every name a route, a routing share or a threshold gives is
 * one the scenario has, and the blocks that cannot run together are not set together.
 */
export function scenarioRules(doc: Record<string, unknown>, ctx: RefineCtx): void {
  const targets = Array.isArray(doc.targets) ? doc.targets.filter(isRecord) : [];
  uniqueNames(Array.isArray(doc.targets) ? doc.targets : [], 'targets', 'target names must be unique', ctx);
  workloadNames(doc, ctx);
  const targetNames = new Set(targets.map((t) => t.name));
  if (Array.isArray(doc.routing))
    doc.routing.forEach((r, i) => {
      if (isRecord(r) && typeof r.target === 'string' && !targetNames.has(r.target))
        report(ctx, ['routing', i, 'target'], `${show(r.target)} is not a target of this scenario; use one of ${quoted(targetNames)}`);
    });
  if (Array.isArray(doc.failover)) failoverRules(doc, doc.failover, targetNames, ctx);
  sloRules(doc.slo, ['slo'], ctx);
  if (Array.isArray(doc.thresholds)) thresholdRules(doc, doc.thresholds, ctx);
  goodputNamed(doc, ctx);
  if (Array.isArray(doc.thresholds) && isRecord(doc.sweep))
    report(
      ctx,
      ['thresholds'],
      'a capacity sweep judges each level by sweep.slo; thresholds judge a plain run: ' +
        'move these conditions to sweep.slo, or drop the sweep',
    );
  if (isRecord(doc.sweep) && isRecord(doc.load) && doc.load.trace !== undefined) report(ctx, ['sweep'], TRACE_IN_SWEEP);
}

// goodput and goodputRate read the goodput: bounds: an slo or threshold naming them, or a sweep searching for the
// highest level that meets them, needs a block to read.
function goodputNamed(doc: Record<string, unknown>, ctx: RefineCtx): void {
  const workloads = Array.isArray(doc.workloads) ? doc.workloads : [doc.workload];
  if (doc.goodput !== undefined || workloads.some((w) => isRecord(w) && w.goodput !== undefined)) return;
  if (isRecord(doc.sweep) && doc.sweep.search !== undefined)
    report(
      ctx,
      ['sweep', 'search'],
      'looks for the highest level meeting the goodput: bounds, and the scenario has none; add e.g. "goodput: { ttft: 600ms }"',
    );
  const lists: [PropertyKey[], unknown][] = [
    [['slo'], doc.slo],
    [['thresholds'], doc.thresholds],
    [['sweep', 'slo'], isRecord(doc.sweep) ? doc.sweep.slo : undefined],
  ];
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((t, i) => {
      const check = typeof t === 'string' ? t : isRecord(t) && typeof t.check === 'string' ? t.check : null;
      const parsed = check === null ? null : parseThreshold(check);
      if (parsed && !('error' in parsed) && (parsed.subject.kind === 'goodput' || parsed.subject.kind === 'goodputRate'))
        report(
          ctx,
          [...key, i],
          `${parsed.source} reads the goodput: block, and the scenario has none; add e.g. "goodput: { ttft: 600ms }"`,
        );
    });
  }
}

// Names in a list must differ: the second use of one names the first.
function uniqueNames(list: unknown[], key: string, rule: string, ctx: RefineCtx): void {
  const seen = new Map<string, number>();
  list.forEach((x, i) => {
    if (!isRecord(x) || typeof x.name !== 'string') return;
    const prev = seen.get(x.name);
    if (prev !== undefined) report(ctx, [key, i, 'name'], `${show(x.name)} is already used by ${key}[${prev}]; ${rule}`);
    else seen.set(x.name, i);
  });
}

// One workload or a mix, and a mix's names unique (an unnamed workload is "default").
function workloadNames(doc: Record<string, unknown>, ctx: RefineCtx): void {
  if (doc.workload !== undefined && doc.workloads !== undefined)
    report(ctx, ['workloads'], 'set workload (one) or workloads (a weighted mix), not both');
  if (!Array.isArray(doc.workloads)) return;
  const named = doc.workloads.map((w) => (isRecord(w) ? { name: typeof w.name === 'string' ? w.name : 'default' } : w));
  uniqueNames(named, 'workloads', 'workload names must be unique', ctx);
}

function failoverRules(doc: Record<string, unknown>, routes: unknown[], targets: Set<unknown>, ctx: RefineCtx): void {
  const names = new Map<string, number>();
  routes.forEach((r, i) => {
    if (!isRecord(r)) return;
    if (typeof r.name === 'string') {
      if (targets.has(r.name))
        report(ctx, ['failover', i, 'name'], `${show(r.name)} is also a target name; routes and targets share one namespace in reports`);
      if (names.has(r.name)) report(ctx, ['failover', i, 'name'], `${show(r.name)} is already used by failover[${names.get(r.name)}]`);
      names.set(r.name, i);
    }
    if (Array.isArray(r.chain))
      r.chain.forEach((t, j) => {
        if (typeof t === 'string' && !targets.has(t))
          report(ctx, ['failover', i, 'chain', j], `${show(t)} is not a target of this scenario; use one of ${quoted(targets)}`);
      });
  });
  if (doc.routing !== undefined)
    report(ctx, ['failover'], 'cannot be combined with routing; route traffic through failover chains or by weight, not both');
  if (doc.sweep !== undefined) report(ctx, ['failover'], SWEEP_BESIDE_FAILOVER);
}

function quoted(names: Set<unknown>): string {
  return [...names].map((t) => JSON.stringify(t)).join(', ');
}
