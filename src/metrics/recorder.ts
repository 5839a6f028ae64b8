import {
  ERROR_KINDS,
  dispatchLagMs,
  e2eMs,
  headersMs,
  serviceE2eMs,
  serviceTtftMs,
  tpotMs,
  ttftMs,
  type ErrorKind,
  type RequestPhase,
  type RequestResult,
} from './request-result.js';
import { Timeseries } from './timeseries.js';
import { newHistogram, recordMs, type Histogram } from './histogram.js';
import { LATENCY_METRICS, type LatencyMetric } from './metric-names.js';

/** GroupLabels identify a group of results: one target today; target × workload × turn later. */
export interface GroupLabels {
  target: string;
  region: string;
  provider: string;
  model: string;
  /** Sweep level ('' outside a sweep). */
  step?: string;
}

/**
 * GroupAccumulator holds everything a report needs about one group, in constant memory:
 * histograms and counters, never the results themselves.
 */
export interface GroupAccumulator {
  key: string;
  labels: GroupLabels;
  histograms: Record<LatencyMetric, Histogram>;
  requests: number;
  ok: number;
  /** Arrivals never sent because maxInFlight was reached (open loop, overflow: drop). */
  dropped: number;
  /** Requests that waited for an in-flight slot (overflow: queue). */
  queued: number;
  /** Requests that opened a new connection. */
  newConnections: number;
  errorsByKind: Record<ErrorKind, number>;
  inputTokens: number;
  outputTokens: number;
  tokenSource: { usage: number; counted: number };
  /** Earliest scheduled time and latest end time of measured requests (run clock, ms). */
  windowStartMs: number;
  windowEndMs: number;
  timeseries: Timeseries;
}

/**
 * Recorder folds RequestResults into per-group histograms and counters (vegeta's Metrics.Add).
 * Only `measure`-phase results count; warmup results are tallied and otherwise ignored.
 * Latency histograms hold successful requests only: a fast 500 is not a fast answer.
 */
export class Recorder {
  readonly groups = new Map<string, GroupAccumulator>();
  warmupRequests = 0;

  /** add folds one result in. */
  add(r: RequestResult): void {
    if (r.phase === 'warmup') {
      this.warmupRequests++;
      return;
    }
    const g = this.group(r);
    g.requests++;
    if (r.scheduledAtMs < g.windowStartMs) g.windowStartMs = r.scheduledAtMs;
    if (r.endAtMs > g.windowEndMs) g.windowEndMs = r.endAtMs;
    g.inputTokens += r.inputTokens;
    g.tokenSource[r.tokenSource]++;
    g.timeseries.add(r);
    const h = g.histograms;
    // Generator-side timings hold for every request, failed or not: they describe the client.
    recordMs(h.dispatchLag, dispatchLagMs(r));
    if (r.queuedMs > 0) {
      g.queued++;
      recordMs(h.queueWait, r.queuedMs);
    }
    if (r.connection === 'new') {
      g.newConnections++;
      if (r.dnsMs !== null) recordMs(h.dns, r.dnsMs);
      if (r.tcpMs !== null) recordMs(h.tcp, r.tcpMs);
      if (r.tlsMs !== null) recordMs(h.tls, r.tlsMs);
    }
    if (r.errorKind !== null) {
      g.errorsByKind[r.errorKind]++;
      return;
    }
    g.ok++;
    g.outputTokens += r.outputTokens;
    const ttft = ttftMs(r);
    if (ttft !== null) recordMs(h.ttft, ttft);
    const ttftService = serviceTtftMs(r);
    if (ttftService !== null) recordMs(h.ttftService, ttftService);
    recordMs(h.e2eService, serviceE2eMs(r));
    for (const gap of r.itlMs) recordMs(h.itl, gap);
    const tpot = tpotMs(r);
    if (tpot !== null) recordMs(h.tpot, tpot);
    recordMs(h.e2e, e2eMs(r));
    const hdr = headersMs(r);
    if (hdr !== null) recordMs(h.headers, hdr);
  }

  /** dispatchLag adds every group's dispatch-lag histogram into one: the generator's own lateness. */
  dispatchLag(): Histogram {
    const all = newHistogram();
    for (const g of this.groups.values()) all.add(g.histograms.dispatchLag);
    return all;
  }

  /** addDropped counts an arrival that was never sent (open loop at maxInFlight with overflow: drop). */
  addDropped(labels: GroupLabels, phase: RequestPhase, scheduledAtMs: number): void {
    if (phase === 'warmup') return;
    const g = this.ensure(groupKey(labels), labels);
    g.dropped++;
    g.timeseries.addDropped(scheduledAtMs);
  }

  /** declare creates a group ahead of its first result, so a target that never answered still reports. */
  declare(labels: GroupLabels): void {
    this.ensure(groupKey(labels), labels);
  }

  private group(r: RequestResult): GroupAccumulator {
    return this.ensure(groupKey(r), r);
  }

  private ensure(key: string, labels: GroupLabels): GroupAccumulator {
    let g = this.groups.get(key);
    if (!g) {
      g = newGroup(key, { target: labels.target, region: labels.region, provider: labels.provider, model: labels.model, step: labels.step ?? '' });
      this.groups.set(key, g);
    }
    return g;
  }
}

/** groupKey names the group a result belongs to. */
export function groupKey(labels: GroupLabels): string {
  return labels.step ? `${labels.target}@${labels.step}` : labels.target;
}

/** newGroup makes an empty accumulator (also used to pre-create groups so idle targets still report). */
export function newGroup(key: string, labels: GroupLabels): GroupAccumulator {
  return {
    key,
    labels,
    histograms: Object.fromEntries(LATENCY_METRICS.map((m) => [m, newHistogram()])) as Record<LatencyMetric, Histogram>,
    requests: 0,
    ok: 0,
    dropped: 0,
    queued: 0,
    newConnections: 0,
    errorsByKind: Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>,
    inputTokens: 0,
    outputTokens: 0,
    tokenSource: { usage: 0, counted: 0 },
    windowStartMs: Infinity,
    windowEndMs: -Infinity,
    timeseries: new Timeseries(),
  };
}
