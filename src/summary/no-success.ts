import type { ErrorKind } from '../scenario/error-kinds.js';
import type { RunSummary } from './run-summary.js';

/**
 * noSuccessLine says, in one line, that no measured request of a run succeeded — a wrong port, a revoked key, a
 * target that answered every request with an error — or null when one did. It counts the groups that carry the
 * load (failover routes when the run has them, else targets), as run validity does. A run that sent nothing counts
 * too: it measured nothing either. `bakeoff run` exits 7 on it (NoSuccess) unless an earlier code applies.
 */
export function noSuccessLine(s: RunSummary): string | null {
  const routes = s.groups.filter((g) => g.scope === 'route');
  const streams = routes.length ? routes : s.groups.filter((g) => (g.scope ?? 'target') === 'target');
  if (streams.some((g) => g.requests.ok > 0)) return null;
  const total = streams.reduce((n, g) => n + g.requests.total + g.requests.generatorFailed, 0);
  const dropped = streams.reduce((n, g) => n + g.requests.dropped, 0);
  const kinds = new Map<ErrorKind, { n: number; sample: string }>();
  for (const g of streams)
    for (const byKind of [g.requests.errorsByKind, g.requests.generatorErrorsByKind])
      for (const [k, n] of Object.entries(byKind) as [ErrorKind, number][]) {
        const seen = kinds.get(k) ?? { n: 0, sample: g.requests.errorSamples[k] ?? '' };
        seen.n += n;
        kinds.set(k, seen);
      }
  // The commonest failure, in its own words: what to fix first.
  const worst = [...kinds.entries()].sort((a, b) => b[1].n - a[1].n);
  const why = worst.length
    ? worst.map(([k, v]) => `${k} ×${v.n}`).join(', ') + (worst[0]![1].sample ? ` (${worst[0]![1].sample})` : '')
    : dropped
      ? `nothing was sent: ${dropped} arrivals dropped`
      : 'nothing was measured';
  return `NO SUCCESSFUL REQUEST: 0 of ${total} ok — ${why}`;
}
