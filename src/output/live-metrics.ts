import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DroppedArrival } from '../metrics/recorder.js';
import { dispatchLagMs, e2eMs, tpotMs, ttftMs, type RequestResult } from '../metrics/request-result.js';
import type { RunOutput } from '../metrics/run-output.js';
import { ERROR_OWNERS, type ErrorKind } from '../scenario/error-kinds.js';
import { inLatency, isGeneratorFailure, liveSeriesOf } from '../metrics/counting.js';
import type { Scenario } from '../scenario/schema.js';
import { BulkHistogram, type BulkSeries } from './bulk-histogram.js';

/**
 * LATENCY_BUCKETS_S are the upper bounds (seconds) of the TTFT and E2E histograms: 5 ms to 2 min,
 * each at most a third above the one below from 75 ms to 5 s, where first tokens and answers usually land, so
 * histogram_quantile stays within a bucket's width of the summary's HDR percentile.
 */
export const LATENCY_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20,
  30, 45, 60, 90, 120,
] as const;

/** TOKEN_BUCKETS_S are the upper bounds (seconds) of the per-token histograms (ITL, TPOT): 1 ms to 5 s. */
export const TOKEN_BUCKETS_S = [
  0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5,
] as const;

/** DISPATCH_BUCKETS_S are the upper bounds (seconds) of the dispatch-lag histogram: the generator's own lateness, 0.1 ms to 10 s. */
export const DISPATCH_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

// Node's delay histogram counts its own sampling interval in every sample: an idle loop reads
// ≈10 ms at a 10 ms resolution. Subtracted, as summary.json's generator.eventLoopDelayMs does.
const LOOP_RESOLUTION_MS = 10;

/** LiveMetricsOptions name the run the metrics describe. */
export interface LiveMetricsOptions {
  scenario: Scenario;
  runId: string;
  tool: { name: string; version: string };
  /** Node's default process metrics (CPU, memory, GC, handles: prom-client's `process_*` and `nodejs_*`); default true. */
  processMetrics?: boolean;
}

// One target × region × workload: its label objects, made once, so a result costs no allocation.
interface Series {
  base: Record<'target' | 'region' | 'workload', string>;
  where: Record<'target' | 'region', string>;
  outcomes: Partial<Record<ErrorKind | 'ok', Record<string, string>>>;
  itl: BulkSeries;
}

/**
 * LiveMetrics is a run's counters and latency histograms as Prometheus reads them, updated as
 * results arrive (the same RequestResults that feed the recorder and requests.csv) and read by a
 * scrape of /metrics. The definitions are summary.json's (docs/live-metrics.md): measured requests
 * only (warmup counted apart), latencies of successful requests from their schedule, the
 * generator's own failures apart from the target's. Per result it does a map lookup and a few
 * counter and histogram updates; per inter-token gap, a bucket scan (see BulkHistogram). It is a
 * run output (add, dropped, inFlight) with no stop: it serves the final numbers after the run,
 * until close().
 */
export class LiveMetrics implements RunOutput {
  readonly registry = new Registry();
  private readonly series = new Map<string, Series>();
  private readonly routeOutcomes = new Map<string, Record<string, string>>();
  private readonly loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly counts = requestCounters([this.registry]);
  private readonly latency = latencyHistograms([this.registry]);

  constructor(opts: LiveMetricsOptions) {
    const registers = [this.registry];
    const s = opts.scenario;
    runInfo(registers, opts);
    for (const t of s.targets) this.counts.inFlight.set({ target: t.name }, 0);
    // Per target × workload, the series a dashboard starts from exist at 0 before the first result.
    for (const t of s.targets)
      for (const w of s.workloads) {
        const series = this.seriesOf(t.name, t.region, w.name);
        this.counts.requests.inc(this.outcomeLabels(series, null), 0);
        this.counts.outputTokens.inc(series.base, 0);
      }
    for (const route of s.failover ?? [])
      for (const w of s.workloads) this.counts.routeRequests.inc({ route: route.name, workload: w.name, outcome: 'ok' }, 0);
    this.loop.enable();
    this.loopGauges(registers);
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * add folds one result in by the rules the recorder follows (metrics/counting.ts): warmup counted apart, route
   * outcomes on their route, attempts on their target.
   */
  add(r: RequestResult): void {
    const where = liveSeriesOf(r);
    if (where === 'route') this.counts.routeRequests.inc(this.routeOutcome(r));
    else if (where === 'warmup') this.counts.warmup.inc({ target: r.target, region: r.region });
    else if (where === 'target') this.onTargetResult(r);
  }

  // A measured request sent to a target: its series' counters and, when it succeeded, its latencies.
  private onTargetResult(r: RequestResult): void {
    const series = this.seriesOf(r.target, r.region, r.workload);
    const { counts, latency } = this;
    latency.dispatchLag.observe(series.where, dispatchLagMs(r) / 1000);
    if (isGeneratorFailure(r)) counts.generatorFailures.inc(this.outcomeLabels(series, r.errorKind));
    else counts.requests.inc(this.outcomeLabels(series, r.errorKind));
    if (!inLatency(r)) return;
    counts.outputTokens.inc(series.base, r.outputTokens);
    const ttft = ttftMs(r);
    if (ttft !== null) latency.ttft.observe(series.base, ttft / 1000);
    latency.e2e.observe(series.base, e2eMs(r) / 1000);
    const tpot = tpotMs(r);
    if (tpot !== null) latency.tpot.observe(series.base, tpot / 1000);
    series.itl.observeAllMs(r.itlMs);
  }

  // The event loop's delay and utilization since the previous scrape: whether the generator kept up.
  private loopGauges(registers: Registry[]): void {
    const loop = this.loop;
    new Gauge({
      name: 'bakeoff_event_loop_delay_seconds',
      help:
        "The generator's event-loop delay since the previous scrape (its own sampling interval subtracted, " +
        'as in summary.json generator.eventLoopDelayMs), by stat: p50, p99, max.',
      labelNames: ['stat'],
      registers,
      collect() {
        this.reset();
        if (loop.count > 0) {
          const s = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS) / 1000;
          this.set({ stat: 'p50' }, s(loop.percentile(50)));
          this.set({ stat: 'p99' }, s(loop.percentile(99)));
          this.set({ stat: 'max' }, s(loop.max));
        }
        loop.reset();
      },
    });
    const self = this;
    new Gauge({
      name: 'bakeoff_event_loop_utilization',
      help: "Share of wall time the generator's event loop was busy since the previous scrape (0–1); near 1 it cannot keep up.",
      registers,
      collect() {
        const now = performance.eventLoopUtilization();
        this.set(performance.eventLoopUtilization(now, self.elu).utilization);
        self.elu = now;
      },
    });
  }

  /** dropped counts a measured arrival that was never sent, on the target or failover route it was for. */
  dropped({ scope, labels, phase, reason }: DroppedArrival): void {
    if (phase !== 'measure') return;
    if (scope === 'route') this.counts.routeDropped.inc({ route: labels.target, reason });
    else this.counts.dropped.inc({ target: labels.target, region: labels.region, reason });
  }

  /** inFlight moves a target's in-flight gauge. */
  inFlight(target: string, delta: 1 | -1): void {
    this.counts.inFlight.inc({ target }, delta);
  }

  /** contentType is the exposition's Content-Type (the Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** exposition renders every metric in the Prometheus text format. */
  async exposition(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.latency.itl.exposition()}`;
  }

  /** close stops sampling the event loop. */
  close(): void {
    this.loop.disable();
  }

  private seriesOf(target: string, region: string, workload: string): Series {
    const key = `${target}\u0000${region}\u0000${workload}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        base: { target, region, workload },
        where: { target, region },
        outcomes: {},
        itl: this.latency.itl.seriesOf([target, region, workload]),
      };
      this.series.set(key, s);
    }
    return s;
  }

  // The label set of one outcome of a series, made once: 'ok' (null), or an error kind.
  private outcomeLabels(s: Series, kind: ErrorKind | null): Record<string, string> {
    const outcome = kind ?? 'ok';
    let l = s.outcomes[outcome];
    if (!l) {
      l = kind !== null && ERROR_OWNERS[kind] === 'generator' ? { ...s.base, kind } : { ...s.base, outcome };
      s.outcomes[outcome] = l;
    }
    return l;
  }

  private routeOutcome(r: RequestResult): Record<string, string> {
    const outcome = r.errorKind ?? 'ok';
    const key = `${r.route || r.target}\u0000${r.workload}\u0000${outcome}`;
    let l = this.routeOutcomes.get(key);
    if (!l) {
      l = { route: r.route || r.target, workload: r.workload, outcome };
      this.routeOutcomes.set(key, l);
    }
    return l;
  }
}

// The run and its targets, as labels to join on: always 1.
function runInfo(registers: Registry[], opts: LiveMetricsOptions): void {
  const s = opts.scenario;
  new Gauge({
    name: 'bakeoff_run_info',
    help: 'The run being measured: its scenario, run id and the tool version; always 1.',
    labelNames: ['scenario', 'run_id', 'version'],
    registers,
  }).set({ scenario: s.name, run_id: opts.runId, version: opts.tool.version }, 1);
  const targetInfo = new Gauge({
    name: 'bakeoff_target_info',
    help: "Each target's region, provider and model; always 1 (join on target).",
    labelNames: ['target', 'region', 'provider', 'model'],
    registers,
  });
  for (const t of s.targets) targetInfo.set({ target: t.name, region: t.region, provider: t.provider, model: t.model }, 1);
}

// The counters and gauges of requests: outcomes, failures, warmup, tokens, drops, routes, in flight.
function requestCounters(registers: Registry[]) {
  return {
    requests: new Counter({
      name: 'bakeoff_requests_total',
      help:
        "Measured requests whose outcome is the target's, by outcome: ok, or the error kind of a failure the target or the network " +
        "owns (summary.json requests.total). Warmup and the generator's own failures are not counted.",
      labelNames: ['target', 'region', 'workload', 'outcome'],
      registers,
    }),
    generatorFailures: new Counter({
      name: 'bakeoff_generator_failures_total',
      help:
        "Measured requests that failed on the load generator's own side (local_resource, client_overload, aborted, other): " +
        "not the target's, never in bakeoff_requests_total (summary.json requests.generatorFailed).",
      labelNames: ['target', 'region', 'workload', 'kind'],
      registers,
    }),
    warmup: new Counter({
      name: 'bakeoff_warmup_requests_total',
      help: 'Warmup requests sent to each target, whatever their outcome; no other metric counts them.',
      labelNames: ['target', 'region'],
      registers,
    }),
    outputTokens: new Counter({
      name: 'bakeoff_output_tokens_total',
      help: 'Output tokens of successful measured requests (server usage when reported, else counted): summary.json tokens.output.',
      labelNames: ['target', 'region', 'workload'],
      registers,
    }),
    dropped: new Counter({
      name: 'bakeoff_dropped_arrivals_total',
      help:
        'Measured arrivals of a target that were never sent, by reason (max_in_flight, connection_cap, generator_lag, rate_limited, ' +
        'unavailable, target_stopped): summary.json requests.droppedBy.',
      labelNames: ['target', 'region', 'reason'],
      registers,
    }),
    routeRequests: new Counter({
      name: 'bakeoff_route_requests_total',
      help:
        "Measured user-level requests of a failover route, by outcome (ok or the error kind), the generator's own failures left out; " +
        'each attempt is also in bakeoff_requests_total under its target.',
      labelNames: ['route', 'workload', 'outcome'],
      registers,
    }),
    routeDropped: new Counter({
      name: 'bakeoff_route_dropped_arrivals_total',
      help: 'Measured arrivals of a failover route that were never sent, by reason.',
      labelNames: ['route', 'reason'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'bakeoff_requests_in_flight',
      help: "Requests sent to a target and not yet ended (warmup included; a failover route's attempts count on their target).",
      labelNames: ['target'],
      registers,
    }),
  };
}

// The latency histograms: TTFT, E2E, TPOT and ITL of successful measured requests, and dispatch lag of every one.
function latencyHistograms(registers: Registry[]) {
  const histogram = (name: string, help: string, buckets: readonly number[]) =>
    new Histogram({ name, help, labelNames: ['target', 'region', 'workload'] as const, buckets: [...buckets], registers });
  return {
    ttft: histogram(
      'bakeoff_ttft_seconds',
      'Time to first token of successful measured requests, from the scheduled time (open loop: the arrival the load chose), seconds.',
      LATENCY_BUCKETS_S,
    ),
    e2e: histogram(
      'bakeoff_e2e_seconds',
      'End-to-end latency of successful measured requests, scheduled time to last byte, seconds.',
      LATENCY_BUCKETS_S,
    ),
    tpot: histogram(
      'bakeoff_tpot_seconds',
      'Time per output token of successful measured requests with at least 2 output tokens: (E2E − TTFT) / (output tokens − 1), seconds.',
      TOKEN_BUCKETS_S,
    ),
    itl: new BulkHistogram(
      'bakeoff_itl_seconds',
      'Every gap between consecutive token deltas of successful measured requests, seconds.',
      ['target', 'region', 'workload'],
      TOKEN_BUCKETS_S,
    ),
    dispatchLag: new Histogram({
      name: 'bakeoff_dispatch_lag_seconds',
      help: "The generator's own lateness: sent − scheduled − queue wait, of every measured request (failed or not), seconds.",
      labelNames: ['target', 'region'],
      buckets: [...DISPATCH_BUCKETS_S],
      registers,
    }),
  };
}
