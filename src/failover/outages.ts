import type { AttemptResult } from '../metrics/request-result.js';
import type { BreakerTransition } from './circuit-breaker.js';

/**
 * Outage is one stretch of failures on a target, as the client saw it: from the first failed
 * attempt after a success to the first success after it. `detectMs` is first failure → breaker
 * open; `recoverMs` is last failure → serving again (with the breaker open, the last failure is
 * about when traffic stopped going there; serving again comes after the outage ends and the
 * breaker lets a trial through).
 */
export interface Outage {
  target: string;
  route: string;
  firstFailureMs: number;
  lastFailureMs: number;
  failures: number;
  breakerOpenedMs: number | null;
  detectMs: number | null;
  recoveredAtMs: number | null;
  recoverMs: number | null;
}

/**
 * OutageTracker folds attempts (in completion order) and breaker transitions into outages, in
 * memory bounded by the number of outages, not of requests.
 */
export class OutageTracker {
  private readonly open = new Map<string, Outage>();
  readonly outages: Outage[] = [];

  /** attempt folds in one attempt on a target (measured or not: an outage is an outage). */
  attempt(r: AttemptResult): void {
    const key = `${r.route}\u0000${r.target}`;
    const o = this.open.get(key);
    if (r.errorKind !== null && r.errorKind !== 'aborted') {
      if (o) {
        o.failures++;
        o.lastFailureMs = Math.max(o.lastFailureMs, r.endAtMs);
      } else {
        const fresh: Outage = {
          target: r.target,
          route: r.route,
          firstFailureMs: r.endAtMs,
          lastFailureMs: r.endAtMs,
          failures: 1,
          breakerOpenedMs: null,
          detectMs: null,
          recoveredAtMs: null,
          recoverMs: null,
        };
        this.open.set(key, fresh);
        this.outages.push(fresh);
      }
    } else if (r.errorKind === null && o && r.sentAtMs >= o.firstFailureMs) {
      // Serving again: a success sent after the failures began (one already in flight proves nothing).
      o.recoveredAtMs = r.firstTokenAtMs ?? r.endAtMs;
      if (o.recoveredAtMs < o.lastFailureMs) return; // answered before the last failure was seen: not yet recovered
      o.recoverMs = o.recoveredAtMs - o.lastFailureMs;
      this.open.delete(key);
    }
  }

  /** transition notes when a breaker opened during an open outage (detection). */
  transition(route: string, t: BreakerTransition): void {
    if (t.to !== 'open') return;
    const o = this.open.get(`${route}\u0000${t.target}`);
    if (o && o.breakerOpenedMs === null) {
      o.breakerOpenedMs = t.atMs;
      o.detectMs = t.atMs - o.firstFailureMs;
    }
  }
}
