import { encodeHistogram, latencyStats, newHistogram, recordMs } from '../../src/metrics/histogram.js';
import type { GroupSummary } from '../../src/metrics/group-summary.js';
import { LATENCY_METRICS, type LatencyMetric } from '../../src/scenario/metric-names.js';
import { prng } from '../../src/random/prng.js';
import { sampler } from '../../src/random/distribution.js';
import type { RunSummary } from '../../src/summary/run-summary.js';

// Hand-built summaries for `compare`'s pure tests: groups whose histograms hold known values.

/** lognormalMs draws n latencies (ms) from a seeded lognormal. */
export function lognormalMs(n: number, median: number, sigma: number, seed: number): number[] {
  const s = sampler({ dist: 'lognormal', median, sigma }, prng(seed));
  return Array.from({ length: n }, s);
}

export interface GroupSpec {
  key: string;
  scope?: GroupSummary['scope'];
  /** Latencies per metric (ms); metrics not given are empty. */
  values?: Partial<Record<LatencyMetric, number[]>>;
  total?: number;
  failed?: number;
  requestsPerSec?: number | null;
}

/** groupOf builds a group summary whose stats and histograms are those of its values. */
export function groupOf(spec: GroupSpec): GroupSummary {
  const total = spec.total ?? spec.values?.ttft?.length ?? 0;
  const failed = spec.failed ?? 0;
  const metrics = {} as GroupSummary['metrics'];
  const histograms = {} as GroupSummary['histograms'];
  for (const m of LATENCY_METRICS) {
    const h = newHistogram();
    for (const v of spec.values?.[m] ?? []) recordMs(h, v);
    metrics[m] = latencyStats(h);
    histograms[m] = encodeHistogram(h);
  }
  const target = spec.key.split(/[/@]/)[0]!;
  return {
    key: spec.key,
    scope: spec.scope ?? 'target',
    target,
    region: 'r',
    provider: 'mock',
    model: 'm',
    step: '',
    requests: {
      total,
      ok: total - failed,
      failed,
      errorRate: total ? failed / total : null,
      dropped: 0,
      droppedBy: {},
      queued: 0,
      newConnections: 0,
      errorsByKind: {},
      generatorFailed: 0,
      generatorErrorsByKind: {},
      errorSamples: {},
    },
    offered: null,
    connections: { opened: 0, failed: 0, perRequest: null },
    backoff: null,
    conversationsCutShort: 0,
    tokens: {
      input: 0,
      output: 0,
      requestedOutput: 0,
      source: { usage: 0, counted: 0 },
      usageVsCounted: { requests: 0, usageOutput: 0, countedOutput: 0, meanAbsDiff: null, maxAbsDiff: 0 },
    },
    window: total ? { startMs: 0, endMs: 1000, durationMs: 1000 } : null,
    throughput: {
      requestsPerSec: spec.requestsPerSec === undefined ? (total ? total / 10 : null) : spec.requestsPerSec,
      outputTokensPerSec: null,
    },
    metrics,
    histograms,
    timeseries: [],
  };
}

/** runOf wraps groups in a summary of a completed, valid run. */
export function runOf(runId: string, groups: GroupSummary[]): RunSummary {
  return {
    schema: 'llm-bakeoff/summary',
    schemaVersion: 2,
    tool: { name: 'llm-bakeoff', version: 'test' },
    runId,
    startedAt: '2026-11-30T00:00:00.000Z',
    endedAt: '2026-11-30T00:00:10.000Z',
    durationMs: 10_000,
    status: 'completed',
    stopReason: 'request count reached',
    measurement: { scheduleEndedAtMs: null, lastEndedAtMs: 10_000, conversationsCutShort: 0, note: '' },
    validity: { valid: true, reasons: [], arrivals: 0, generatorFailed: 0, generatorErrorsByKind: {}, generatorDropped: 0 },
    loadModel: 'closed',
    scenario: { name: 'synthetic' },
    warmupRequests: 0,
    groups,
    generator: {
      eventLoopDelayMs: { mean: null, p50: null, p99: null, max: null },
      dispatchLagMs: { p50: null, p99: null, max: null },
      eventLoopUtilization: 0,
      cpuPercent: 0,
      saturated: false,
      warnings: [],
    },
    traffic: { mode: 'paired', seed: 1, note: '' },
    histogram: { unit: 'us', lowestDiscernible: 1, highestTrackable: 3_600_000_000, significantDigits: 3, resolution: '', encoding: '' },
  } as RunSummary;
}

/** SIDES labels two files as baseline and current. */
export const SIDES = {
  baseline: { label: 'baseline', runId: 'run-a', file: '/a/summary.json' },
  current: { label: 'current', runId: 'run-b', file: '/b/summary.json' },
};
