import type { Catalog } from '../cost/catalog.js';
import { groupCost } from '../cost/run-cost.js';
import type { Clock } from '../metrics/clock.js';
import type { GroupAccumulator, Recorder } from '../metrics/recorder.js';
import { judgeLive, type ThresholdSpec, type ThresholdsSummary } from '../analysis/thresholds.js';

// How often the abortOnFail thresholds are judged mid-run (k6 judges every 2 s).
const CHECK_EVERY_MS = 1_000;

/**
 * ThresholdWatch judges the thresholds marked abortOnFail while the run goes, and stops it at the
 * first breach: a nightly run whose p99 has already failed need not spend the rest of its hour (or
 * its budget) proving it. Each threshold is judged only once its delayAbortEval has passed since
 * the first measured request, so the first few requests' percentiles do not stop a run.
 */
export class ThresholdWatch {
  /** The breach that stopped the run, if one did. */
  breach: NonNullable<ThresholdsSummary['abortedBy']> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly specs: readonly ThresholdSpec[],
    private readonly recorder: Recorder,
    private readonly clock: Clock,
    private readonly onBreach: () => void,
    private readonly pricing?: Catalog,
  ) {}

  start(): void {
    if (!this.specs.some((s) => s.abortOnFail)) return;
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private check(): void {
    if (this.breach) return;
    const now = this.clock.now();
    let first = Infinity;
    for (const g of this.recorder.groups.values()) if (!g.labels.step && g.windowStartMs < first) first = g.windowStartMs;
    if (!Number.isFinite(first)) return;
    const due = this.specs.filter((s) => s.abortOnFail && now - first >= s.delayAbortEvalMs);
    if (!due.length) return;
    const pricing = this.pricing;
    const costOf =
      pricing && ((a: GroupAccumulator) => groupCost(a.labels.model, a.billedByMinute, a.requests, a.ok, a.outputTokens, pricing));
    const c = judgeLive(due, this.recorder.groups.values(), costOf);
    if (!c) return;
    this.breach = {
      threshold: c.threshold,
      on: c.on,
      atMs: Math.round(now * 1000) / 1000,
      actual: c.actual,
      unit: c.unit,
      ...(c.beyondSuccesses ? { beyondSuccesses: true as const } : {}),
    };
    this.stop();
    this.onBreach();
  }
}
