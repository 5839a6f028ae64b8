import type { RunSummary } from './run-summary.js';

/** RUN_RECORD_SCHEMA names and versions run.json. */
export const RUN_RECORD_SCHEMA = { id: 'llm-bakeoff/run', version: 1 } as const;

/**
 * RunRecord is run.json, written when the run starts (before its first request): what a summary
 * needs beyond requests.csv — the scenario, the clock's origin (costs are priced by the minute of
 * the day), the prices — so `bakeoff report` can rebuild the summary of a run that was killed
 * before it wrote one.
 */
export interface RunRecord {
  schema: typeof RUN_RECORD_SCHEMA.id;
  schemaVersion: typeof RUN_RECORD_SCHEMA.version;
  tool: { name: string; version: string };
  runId: string;
  /** Wall-clock time of the run clock's 0 (ms since the epoch). */
  originEpochMs: number;
  /** When the run started on its clock (ms). */
  startedAtMs: number;
  loadModel: RunSummary['loadModel'];
  /** The validated scenario, secrets redacted (as summary.json's `scenario`). */
  scenario: unknown;
  /** The prices of the scenario's models as the run had them (catalog data), or null without a catalog. */
  prices: { asOf: string; currency: string; models: Record<string, unknown> } | null;
  /** A shard's tag (`run --shard`), so a summary rebuilt from requests.csv can still be merged. */
  shard?: RunSummary['shard'];
}
