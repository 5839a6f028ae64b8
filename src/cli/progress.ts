import type { RequestResult } from '../metrics/request-result.js';

/**
 * Progress counts finished requests for the live progress line. It keeps counters only, so it
 * costs nothing per request beyond two increments.
 */
export class Progress {
  private done = 0;
  private failed = 0;
  private warmup = 0;
  private lastDone = 0;
  private lastAt = performance.now();
  private readonly started = performance.now();

  onResult(r: RequestResult): void {
    if (r.phase === 'warmup') this.warmup++;
    else {
      this.done++;
      if (r.errorKind !== null) this.failed++;
    }
  }

  /** line renders "12.0s  1,234 requests (5 failed)  102.3 req/s" with the rate since the last call. */
  line(): string {
    const now = performance.now();
    const rate = ((this.done - this.lastDone) * 1000) / Math.max(1, now - this.lastAt);
    this.lastDone = this.done;
    this.lastAt = now;
    const elapsed = ((now - this.started) / 1000).toFixed(1);
    const warm = this.warmup ? `  (+${this.warmup} warmup)` : '';
    return `${elapsed}s  ${this.done.toLocaleString('en-US')} requests (${this.failed} failed)  ${rate.toFixed(1)} req/s${warm}`;
  }
}
