import type { GeneratorHealth } from '../metrics/generator-health.js';
import type { GroupSummary } from '../metrics/group-summary.js';
import type { SweepSummary } from '../analysis/sweep-verdict.js';
import type { Decision } from '../analysis/decision.js';
import type { FailoverSummary } from '../failover/routes.js';
import type { GroupCost } from '../cost/run-cost.js';
import type { Validity } from './validity.js';
import type { ClockEstimate } from '../client/clock-probe.js';
import type { ThresholdsSummary } from '../analysis/thresholds.js';

// The verdict types live with the one judge (analysis/thresholds.ts); summary.json holds them.
export type { ThresholdCheck, ThresholdFilter, ThresholdsSummary } from '../analysis/thresholds.js';

/** SUMMARY_SCHEMA names and versions summary.json; bump the version on any incompatible change. */
export const SUMMARY_SCHEMA = { id: 'llm-bakeoff/summary', version: 2 } as const;

/**
 * RunSummary is the content of summary.json: everything a report needs, so `report` can rebuild
 * every output without the live run. Documented field by field in docs/summary-schema.md.
 * All durations are milliseconds; times are offsets on the run's monotonic clock unless named *At (ISO-8601).
 */
export interface RunSummary {
  schema: typeof SUMMARY_SCHEMA.id;
  schemaVersion: typeof SUMMARY_SCHEMA.version;
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /**
   * completed: the load model ran to its end; interrupted: stopped by a signal; budget: stopped before crossing a
   * budget cap; threshold: stopped by a threshold with abortOnFail (results are partial in all three).
   */
  status: 'completed' | 'interrupted' | 'budget' | 'threshold';
  stopReason: string;
  /**
   * What the measurement covers: when the load's schedule ended, until when in-flight requests ran, and conversations
   * cut short at the end.
   */
  measurement: Measurement;
  /**
   * Whether the numbers are the targets': a run whose generator failed too often on its own side is invalid (and exits
   * with its own code).
   */
  validity: Validity;
  /** The load model: closed (concurrency), open (rate/stages) or trace; response vs service time differ only in open loops. */
  loadModel: 'closed' | 'open' | 'trace';
  /** The validated scenario with defaults filled, durations in ms, and secret-looking header values redacted. */
  scenario: unknown;
  /** Requests sent during warmup (excluded from every metric). */
  warmupRequests: number;
  groups: RunGroupSummary[];
  generator: GeneratorHealth;
  /** How traffic reached the targets: paired (same prompts, full load each) or routed (one stream split by weight). */
  traffic?: { mode: 'paired' | 'routed'; seed: number; note: string };
  /** The pricing catalog costs were computed with. */
  pricing?: { asOf: string; currency: string };
  /** Decision table: per target the SLO verdict and cost, and the cheapest target meeting the SLO. */
  decision?: Decision;
  /** Why the run stopped early to stay within its budget, if it did. */
  budget?: { stopped: boolean; reason: string; spentUsd: number; requests: number; tokens: number };
  /** Failover drill: per route its chain and retries; every breaker transition; every outage as the client saw it. */
  failover?: FailoverSummary;
  /** Capacity sweep: each level's SLO verdict per target, and each target's knee. */
  sweep?: SweepSummary;
  /** Set when `bakeoff report` rebuilt this summary from requests.csv (the run died before writing it): what the rows could not tell. */
  rebuilt?: { from: 'requests.csv'; missing: string[] };
  /** The scenario's thresholds, judged (absent when it has none). */
  thresholds?: ThresholdsSummary;
  /**
   * The run's clock: its origin (epoch ms; every offset in ms counts from it) and this machine's wall clock against the
   * targets' (from their Date headers), which `merge` compares across shards.
   */
  clock?: { originEpochMs: number; offset: ClockEstimate | null };
  /** Set when this run is one shard of a load split across machines (`run --shard`). */
  shard?: ShardTag;
  /**
   * Set on a merged run (`merge`) or a run split over worker threads (`--workers`): the parts it adds up, each with its
   * own generator health.
   */
  parts?: RunPart[];
  /** Set on a merged run: how it was merged, and what the shards' clocks said. */
  merged?: MergeNote;
  /** What every histogram holds and how exact its figures are. */
  histogram: {
    unit: 'us';
    lowestDiscernible: number;
    highestTrackable: number;
    significantDigits: number;
    resolution: string;
    encoding: string;
  };
}

/** ShardTag says which part of a split load a run ran, from where. */
export interface ShardTag {
  index: number;
  count: number;
  /** Where the load came from (`--agent-region`); null when not given. */
  agentRegion: string | null;
  host: string;
  /** The agreed start (`--start-at`, ISO-8601), and how late after it this shard's clock started (ms; null without --start-at). */
  startAt: string | null;
  startLateMs: number | null;
}

/** RunPart is one shard or worker of a merged run. */
export interface RunPart {
  kind: 'shard' | 'worker';
  index: number;
  count: number;
  agentRegion: string | null;
  host: string;
  runId: string;
  /** The shard's run directory as given to merge (shards only). */
  dir?: string;
  status: RunSummary['status'];
  startedAt: string;
  /** Where the part's run clock started on the merged run's clock (ms): what its times were shifted by. */
  originShiftMs: number;
  /** The part's clock against the targets' (shards), and against the median shard's. */
  clockOffset: ClockEstimate | null;
  clockSkewMs: number | null;
  requests: number;
  valid: boolean;
  generator: GeneratorHealth;
}

/** MergeNote says how a merged run was put together. */
export interface MergeNote {
  parts: number;
  /** The largest clock difference between two shards (ms), from their Date-header estimates; null when a shard had none. */
  clockSkewMs: number | null;
  maxClockSkewMs: number;
  notes: string[];
}

/** Measurement says what the measured window covers. */
export interface Measurement {
  /** When the load stopped scheduling because its time was up (run clock, ms); null when it ended by a request count or a stop. */
  scheduleEndedAtMs: number | null;
  /** When the last measured request ended (run clock, ms); null when none was measured. */
  lastEndedAtMs: number | null;
  /** Conversations that ended before their last turn because the load's time was up (no new turn starts after it). */
  conversationsCutShort: number;
  note: string;
}

/**
 * RunGroupSummary is a group as summary.json holds it: its numbers, and what its traffic cost at list prices (when the
 * run had a pricing catalog).
 */
export type RunGroupSummary = GroupSummary & { cost?: GroupCost };
