import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { latencyStats, type Histogram } from './histogram.js';
import { roundTo } from '../scenario/decimals.js';

/** GeneratorHealth is how the load generator itself fared; reported so it cannot hide its own bottleneck. */
export interface GeneratorHealth {
  /** Event-loop delay (how late timers and I/O callbacks ran), ms; null when the run was too short to sample it. */
  eventLoopDelayMs: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  /**
   * Dispatch lag: how late requests left the generator relative to their schedule (queue wait excluded), ms; null when
   * nothing was sent.
   */
  dispatchLagMs: { p50: number | null; p99: number | null; max: number | null };
  /**
   * Share of wall time the generator's event loop was busy (0–1); near 1, it cannot keep up. Null when not recorded (a
   * summary rebuilt from requests.csv).
   */
  eventLoopUtilization: number | null;
  /** Process CPU time over wall time, in % of one core; includes embedded mock threads, so informational. Null when not recorded. */
  cpuPercent: number | null;
  /** True when the numbers above say latencies may include client-side delay. */
  saturated: boolean;
  warnings: string[];
}

/** SATURATION bounds: past these, the generator's own delay is a visible share of what it measures. */
export const SATURATION = { eventLoopDelayP99Ms: 20, eventLoopUtilization: 0.9, dispatchLagP99Ms: 10 } as const;

// Node's histogram records the whole interval between samples, resolution included: an idle
// loop reads ≈10ms at a 10ms resolution. We subtract it so 0 means "no delay".
const RESOLUTION_MS = 10;

/** GeneratorMonitor samples event-loop delay and CPU between start() and stop(). */
export class GeneratorMonitor {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private cpuStart = process.cpuUsage();
  private wallStart = performance.now();
  private eluStart: EventLoopUtilization = performance.eventLoopUtilization();

  start(): void {
    this.loop.enable();
    this.eluStart = performance.eventLoopUtilization();
    this.cpuStart = process.cpuUsage();
    this.wallStart = performance.now();
  }

  /** stop ends sampling and judges the generator, given the run's combined dispatch-lag histogram. */
  stop(dispatchLag: Histogram): GeneratorHealth {
    this.loop.disable();
    const cpu = process.cpuUsage(this.cpuStart);
    const wallMs = Math.max(1, performance.now() - this.wallStart);
    const cpuPercent = roundTo(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1);
    const ns = (v: number) => roundTo(Math.max(0, v / 1e6 - RESOLUTION_MS), 3);
    const count = this.loop.count;
    const eventLoopDelayMs = count
      ? { mean: ns(this.loop.mean), p50: ns(this.loop.percentile(50)), p99: ns(this.loop.percentile(99)), max: ns(this.loop.max) }
      : { mean: null, p50: null, p99: null, max: null };
    const elu = Math.round(performance.eventLoopUtilization(this.eluStart).utilization * 1000) / 1000;
    const lag = latencyStats(dispatchLag);
    return assessHealth(eventLoopDelayMs, elu, cpuPercent, { p50: lag.p50, p99: lag.p99, max: lag.max });
  }
}

/** assessHealth applies the saturation bounds and words the warnings. */
export function assessHealth(
  eventLoopDelayMs: GeneratorHealth['eventLoopDelayMs'],
  eventLoopUtilization: number,
  cpuPercent: number,
  dispatchLagMs: GeneratorHealth['dispatchLagMs'] = { p50: null, p99: null, max: null },
): GeneratorHealth {
  const warnings: string[] = [];
  if (dispatchLagMs.p99 !== null && dispatchLagMs.p99 > SATURATION.dispatchLagP99Ms)
    warnings.push(
      `dispatch lag p99 ${dispatchLagMs.p99}ms exceeds ${SATURATION.dispatchLagP99Ms}ms: requests left ` +
        `the generator late; response times include that delay (service times do not)`,
    );
  if (eventLoopDelayMs.p99 !== null && eventLoopDelayMs.p99 > SATURATION.eventLoopDelayP99Ms)
    warnings.push(
      `event-loop delay p99 ${eventLoopDelayMs.p99}ms exceeds ${SATURATION.eventLoopDelayP99Ms}ms: ` +
        `latencies include client-side delay; lower the load or split it across processes`,
    );
  if (eventLoopUtilization > SATURATION.eventLoopUtilization)
    warnings.push(
      `generator event loop busy ${Math.round(eventLoopUtilization * 100)}% of the time (bound ` +
        `${SATURATION.eventLoopUtilization * 100}%): the load generator may be the bottleneck; latencies include client-side delay`,
    );
  return { eventLoopDelayMs, dispatchLagMs, eventLoopUtilization, cpuPercent, saturated: warnings.length > 0, warnings };
}
