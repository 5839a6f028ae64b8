import { suggest } from './suggest.js';
import { parseThreshold } from './threshold.js';
import { isRecord, report, show, type RefineCtx } from './refine.js';

const FILTERS = ['target', 'region', 'model', 'route', 'workload'] as const;
type Filter = (typeof FILTERS)[number];

/**
 * thresholdRules: each threshold parses, and its filter names what the scenario has: a target, a region, a route
 * (failover) or a workload. Failover times are measured on routes only.
 */
export function thresholdRules(doc: Record<string, unknown>, list: unknown[], ctx: RefineCtx): void {
  const known = filterValues(doc);
  for (const [i, t] of list.entries()) {
    const entry = typeof t === 'string' ? { check: t } : isRecord(t) ? t : null;
    if (!entry || typeof entry.check !== 'string') continue; // the schema reports it
    const where = typeof t === 'string' ? ['thresholds', i] : ['thresholds', i, 'check'];
    const parsed = parseThreshold(entry.check);
    if ('error' in parsed) {
      report(ctx, where, parsed.error);
      continue;
    }
    for (const key of FILTERS) {
      const v = entry[key];
      if (typeof v !== 'string' || known[key].includes(v)) continue;
      const near = suggest(v, known[key]);
      const list = known[key].length
        ? `; the scenario's ${key}s: ${known[key].join(', ')}`
        : key === 'route'
          ? '; the scenario has no failover routes'
          : '';
      report(ctx, ['thresholds', i, key], `no ${key} named ${show(v)}${near ? ` (did you mean ${show(near)}?)` : ''}${list}`);
    }
    const onRoutes = parsed.subject.kind === 'latency' && (parsed.subject.metric === 'failover' || parsed.subject.metric === 'timeLost');
    if (onRoutes && !known.route.length)
      report(
        ctx,
        where,
        `${parsed.source} is measured on failover routes, and the scenario has none (add a failover: block, or drop this threshold)`,
      );
    const byTarget = ['target', 'region', 'model'].some((k) => typeof entry[k] === 'string');
    if (onRoutes && byTarget)
      report(
        ctx,
        where,
        `${parsed.source} is measured on failover routes: filter it by route (or not at all), not by target, region or model`,
      );
    if (typeof entry.route === 'string' && byTarget)
      report(ctx, ['thresholds', i], 'a route carries requests to several targets: give route, or target/region/model, not both');
  }
}

// The values each filter may take in this scenario (an unnamed workload is "default", a target without region too).
function filterValues(doc: Record<string, unknown>): Record<Filter, string[]> {
  const targets = Array.isArray(doc.targets) ? doc.targets : [];
  const names = (xs: unknown[], key: string, fallback?: string) => [
    ...new Set(
      xs
        .filter(isRecord)
        .map((x) => (typeof x[key] === 'string' ? x[key] : fallback))
        .filter((x): x is string => typeof x === 'string'),
    ),
  ];
  return {
    target: names(targets, 'name'),
    region: names(targets, 'region', 'default'),
    model: names(targets, 'model'),
    route: Array.isArray(doc.failover) ? names(doc.failover, 'name') : [],
    workload: Array.isArray(doc.workloads)
      ? names(doc.workloads, 'name', 'default')
      : [isRecord(doc.workload) && typeof doc.workload.name === 'string' ? doc.workload.name : 'default'],
  };
}
