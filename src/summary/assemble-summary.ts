import { decide } from '../analysis/decision.js';
import { judgeThresholds, type ThresholdSpec, type ThresholdsSummary } from '../analysis/thresholds.js';
import type { GeneratorHealth } from '../metrics/generator-health.js';
import { HISTOGRAM_RANGE, RESOLUTION } from '../metrics/histogram.js';
import { SUMMARY_SCHEMA, type Measurement, type RunGroupSummary, type RunSummary } from './run-summary.js';
import type { Validity } from './validity.js';
import { roundTo } from '../scenario/decimals.js';

/**
 * SummaryMeta is what a summary says of its run beyond what it measured: labels, times and how it
 * ended, what it is judged by, and the blocks only some runs have (a sweep, failover, a shard, the
 * parts of a merge, what a rebuild could not know).
 */
export interface SummaryMeta {
  tool: RunSummary['tool'];
  runId: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  status: RunSummary['status'];
  stopReason: string;
  loadModel: RunSummary['loadModel'];
  /** The scenario as summary.json echoes it (runner/scenario-echo.ts). */
  scenario: unknown;
  /** SLO conditions for the decision table (default: DEFAULT_SLO). */
  slo?: readonly string[];
  /** The scenario's thresholds, parsed: judged on the groups into `thresholds` (none: no `thresholds` block). */
  thresholdSpecs?: readonly ThresholdSpec[];
  /** The threshold with abortOnFail that stopped the run, if one did. */
  abortedBy?: ThresholdsSummary['abortedBy'];
  /** The catalog the groups were priced with (only its date and currency are written). */
  pricing?: { asOf: string; currency: string };
  budget?: RunSummary['budget'];
  traffic?: RunSummary['traffic'];
  sweep?: RunSummary['sweep'];
  failover?: RunSummary['failover'];
  rebuilt?: RunSummary['rebuilt'];
  clock?: RunSummary['clock'];
  shard?: RunSummary['shard'];
  parts?: RunSummary['parts'];
  merged?: RunSummary['merged'];
  /** What the histograms hold, when they came from elsewhere (merged shards); default: this build's range. */
  histogram?: RunSummary['histogram'];
}

/**
 * Measured is what a run measured: its groups (priced when the run had a catalog) and the figures
 * taken over its generator and its window, from a recorder (summarize-run.ts) or added up from the
 * parts of a split run (merge-runs.ts).
 */
export interface Measured {
  groups: RunGroupSummary[];
  validity: Validity;
  measurement: Measurement;
  warmupRequests: number;
  generator: GeneratorHealth;
}

/**
 * assembleSummary puts together the summary.json document of a run, a merge or a rebuild, and
 * judges it: the decision table on the SLO, the thresholds on the groups (shown but not judged
 * when the run is invalid). Every RunSummary is made here; no caller completes one afterwards.
 */
export function assembleSummary(meta: SummaryMeta, measured: Measured): RunSummary {
  const { groups, validity } = measured;
  const specs = meta.thresholdSpecs ?? [];
  return {
    schema: SUMMARY_SCHEMA.id,
    schemaVersion: SUMMARY_SCHEMA.version,
    tool: meta.tool,
    runId: meta.runId,
    startedAt: meta.startedAt,
    endedAt: meta.endedAt,
    durationMs: roundTo(meta.durationMs, 3),
    status: meta.status,
    stopReason: meta.stopReason,
    validity,
    measurement: measured.measurement,
    loadModel: meta.loadModel,
    scenario: meta.scenario,
    warmupRequests: measured.warmupRequests,
    groups,
    decision: decide(groups, meta.slo),
    ...(meta.budget ? { budget: meta.budget } : {}),
    ...(meta.pricing ? { pricing: { asOf: meta.pricing.asOf, currency: meta.pricing.currency } } : {}),
    generator: measured.generator,
    ...(meta.traffic ? { traffic: meta.traffic } : {}),
    ...(meta.sweep ? { sweep: meta.sweep } : {}),
    ...(meta.failover ? { failover: meta.failover } : {}),
    histogram: meta.histogram ?? { ...HISTOGRAM },
    ...(meta.rebuilt ? { rebuilt: meta.rebuilt } : {}),
    ...(meta.clock ? { clock: meta.clock } : {}),
    ...(specs.length ? { thresholds: judgeThresholds(specs, groups, validity.valid, meta.abortedBy) } : {}),
    ...(meta.shard ? { shard: meta.shard } : {}),
    ...(meta.parts ? { parts: meta.parts } : {}),
    ...(meta.merged ? { merged: meta.merged } : {}),
  };
}

const HISTOGRAM: RunSummary['histogram'] = {
  unit: 'us',
  lowestDiscernible: HISTOGRAM_RANGE.lowestDiscernibleUs,
  highestTrackable: HISTOGRAM_RANGE.highestTrackableUs,
  significantDigits: HISTOGRAM_RANGE.significantDigits,
  resolution: RESOLUTION,
  encoding: 'HdrHistogram V2 compressed, base64',
};
