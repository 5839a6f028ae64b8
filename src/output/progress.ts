import type { RequestResult } from '../metrics/request-result.js';
import { isGeneratorFailure, isMeasured, isUserRequest } from '../metrics/counting.js';
import type { RunOutput } from '../metrics/run-output.js';

/** ProgressView is where the progress line goes: the CLI's terminal, redrawn in place there. */
export interface ProgressView {
  /** Shows the line (every `everyMs` from the run's start). */
  show(line: string): void;
  /** Takes the last line away when the run stops (a terminal clears it; a log keeps it). */
  clear?(): void;
  everyMs: number;
}

/**
 * Progress is the live progress line, a run output: it counts finished requests and shows the
 * line every `everyMs` from the run's start to its stop. It keeps counters only, so it costs
 * nothing per request beyond two increments.
 */
export class Progress implements RunOutput {
  private done = 0;
  private failed = 0;
  private warmup = 0;
  private generator = 0;
  private lastDone = 0;
  private lastAt = performance.now();
  private started = performance.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly view?: ProgressView) {}

  /** start shows the line every `everyMs` from now on. */
  start(): void {
    if (!this.view || this.timer) return;
    const view = this.view;
    this.started = this.lastAt = performance.now();
    this.timer = setInterval(() => view.show(this.line()), view.everyMs);
  }

  add(r: RequestResult): void {
    // The user's view: a failover route's attempts are counted in its outcome, once.
    if (!isUserRequest(r)) return;
    if (!isMeasured(r)) this.warmup++;
    else {
      this.done++;
      if (isGeneratorFailure(r)) this.generator++;
      else if (r.errorKind !== null) this.failed++;
    }
  }

  /** stop stops showing the line and takes it away. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.view?.clear?.();
  }

  /** line renders "12.0s  1,234 requests (5 failed)  102.3 req/s" with the rate since the last call. */
  line(): string {
    const now = performance.now();
    const rate = ((this.done - this.lastDone) * 1000) / Math.max(1, now - this.lastAt);
    this.lastDone = this.done;
    this.lastAt = now;
    const elapsed = ((now - this.started) / 1000).toFixed(1);
    const warm = this.warmup ? `  (+${this.warmup} warmup)` : '';
    const ours = this.generator ? `, ${this.generator} failed on the generator's side` : '';
    return `${elapsed}s  ${this.done.toLocaleString('en-US')} requests (${this.failed} failed${ours})  ${rate.toFixed(1)} req/s${warm}`;
  }
}
