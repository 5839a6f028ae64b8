import type { Problem } from '../scenario/validate.js';
import type { Scenario } from '../scenario/schema.js';
import { usesMock } from './endpoints.js';

/** Machine is what validation needs to know of the machine a run would use. */
export interface Machine {
  /** The process's soft limit on open files (ulimit -n); undefined when unknown. */
  fileDescriptorLimit?: number;
}

/**
 * MAX_RATE_PER_PROCESS is an arrival rate no single generator process can send on time (it is
 * far past the ceiling bench/README.md measures); a scenario asking more is refused without
 * --force rather than left to grow its backlog until memory runs out.
 */
export const MAX_RATE_PER_PROCESS = 20_000;

// Descriptors a process needs besides its connections: Node itself, result files, the mock thread.
const RESERVED_DESCRIPTORS = 64;

/**
 * machineLimitProblems checks a scenario against what this machine can do — more connections at
 * once than the process may open, more arrivals a second than one process can send — each a
 * problem naming the field, the limit and the way out (lower it, raise the limit, or --force).
 */
export function machineLimitProblems(s: Scenario, machine: Machine, useMock: boolean): Problem[] {
  const out: Problem[] = [];
  const l = s.load;
  // A connection to an embedded mock costs two descriptors in this process: the mock's end too.
  const cost = (targets: readonly string[]) => (targets.some((n) => usesMock(s.targets.find((t) => t.name === n)!, useMock)) ? 2 : 1);
  const streams: { name: string; users: number; perConnection: number }[] = s.failover?.length
    ? s.failover.map((f) => ({ name: f.name, users: peakUsers(l.concurrency, l.stages), perConnection: cost(f.chain) }))
    : s.routing
      ? [{ name: 'routed', users: peakUsers(l.concurrency, l.stages), perConnection: cost(s.targets.map((t) => t.name)) }]
      : s.targets.map((t) => ({ name: t.name, users: peakUsers(t.concurrency ?? l.concurrency, l.stages), perConnection: cost([t.name]) }));
  const limit = machine.fileDescriptorLimit;
  const closed = l.rate === undefined && !l.trace && !l.stages?.some((st) => st.rate !== undefined);
  if (closed && limit !== undefined) {
    const needed = streams.reduce((n, st) => n + st.users * st.perConnection, 0) + RESERVED_DESCRIPTORS;
    if (needed > limit)
      out.push({
        path: 'load.concurrency',
        message:
          `${streams.reduce((n, st) => n + st.users, 0).toLocaleString('en-US')} users need about ` +
          `${needed.toLocaleString('en-US')} open files ` +
          `(a connection each${streams.some((st) => st.perConnection > 1) ? ', two to an embedded mock' : ''}); ` +
          `this process may open ${limit.toLocaleString('en-US')} (ulimit -n): ` +
          'lower concurrency, raise ulimit -n, or pass --force',
      });
  }
  if (!closed) {
    const peakRate = Math.max(l.rate ?? 0, ...(l.stages ?? []).map((st) => st.rate ?? 0));
    const total = peakRate * streams.length;
    if (total > MAX_RATE_PER_PROCESS)
      out.push({
        path: 'load.rate',
        message:
          `${total.toLocaleString('en-US')} arrivals a second` +
          `${streams.length > 1 ? ` (${peakRate.toLocaleString('en-US')} for each of ${streams.length} streams)` : ''} ` +
          `is past what one process can send on time (${MAX_RATE_PER_PROCESS.toLocaleString('en-US')}/s, ` +
          'and far less in practice: see bench/README.md); lower it, or pass --force',
      });
  }
  return out;
}

function peakUsers(start: number | undefined, stages: readonly { concurrency?: number | undefined }[] | undefined): number {
  return Math.max(start ?? 0, ...(stages ?? []).map((st) => st.concurrency ?? 0));
}
