import type { Scenario } from '../scenario/schema.js';
import type { RunSummary } from '../summary/run-summary.js';
import { apiRootOf, usesMock } from './endpoints.js';

/**
 * SharedPath is one host that targets with different `region` labels all reach. A target's region is a label: unless its
 * URL is the region's own (an Azure resource, a Vertex location, a Bedrock region), every request leaves this machine
 * for the same host whatever the label says, so the targets measure one network path, not one per region.
 */
export interface SharedPath {
  /** The host the targets reach (host[:port] of their API root). */
  host: string;
  /** The targets reaching it, in scenario order. */
  targets: string[];
  /** Their distinct region labels, in scenario order (at least two). */
  regions: string[];
}

/**
 * sharedPaths lists the hosts that targets with different region labels reach: targets grouped by the origin of their
 * API root (apiRootOf), a group kept when its labels differ. Mock targets are left out: each has a mock of its own.
 */
export function sharedPaths(s: Scenario, useMock: boolean): SharedPath[] {
  const byOrigin = new Map<string, SharedPath>();
  for (const t of s.targets) {
    if (usesMock(t, useMock)) continue;
    const root = apiRootOf(t);
    if (root === undefined) continue;
    const url = new URL(root);
    const path = byOrigin.get(url.origin) ?? { host: url.host, targets: [], regions: [] };
    path.targets.push(t.name);
    if (!path.regions.includes(t.region)) path.regions.push(t.region);
    byOrigin.set(url.origin, path);
  }
  return [...byOrigin.values()].filter((p) => p.regions.length > 1);
}

/** sharedPathWarning words a shared path for `validate` and `run`: what it means, and how to measure regions apart. */
export function sharedPathWarning(p: SharedPath): string {
  const names = `${p.targets.slice(0, -1).join(', ')} and ${p.targets[p.targets.length - 1]}`;
  return (
    `${names} ${p.targets.length > 2 ? 'all' : 'both'} reach ${p.host} (regions ${p.regions.join(', ')}): ` +
    'their `region` is a label; they measure one network path from this machine — run from each region ' +
    '(--agent-region, docs/scale-out.md) or use regional endpoints'
  );
}

/** sharedPathWarnings is every shared path of a scenario, worded. */
export function sharedPathWarnings(s: Scenario, useMock: boolean): string[] {
  return sharedPaths(s, useMock).map(sharedPathWarning);
}

/**
 * withPathWarnings adds a run's shared-path warnings to its summary's warnings (`generator.warnings`, which every report
 * prints): they qualify what the run measured from this machine, as the generator's own warnings do. Added once to the
 * whole run, not per worker thread or per part.
 */
export function withPathWarnings(summary: RunSummary, warnings: readonly string[]): RunSummary {
  if (!warnings.length) return summary;
  return { ...summary, generator: { ...summary.generator, warnings: [...summary.generator.warnings, ...warnings] } };
}
