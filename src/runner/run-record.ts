import { catalogExcerpt, type Catalog } from '../cost/catalog.js';
import type { RunOutput, RunStart } from '../metrics/run-output.js';
import type { Scenario } from '../scenario/schema.js';
import { RUN_RECORD_SCHEMA, type RunRecord } from '../summary/run-record.js';
import { shardTag, type ShardOf } from '../summary/shard-tag.js';
import { TOOL } from '../version.js';
import { runLoadModel } from './run-scenario.js';
import { scenarioEcho } from './scenario-echo.js';

/** RunRecordOf names the run a run.json describes. */
export interface RunRecordOf {
  scenario: Scenario;
  runId: string;
  /** The prices the run has (none: run.json's prices are null). */
  pricing?: Catalog;
  /** Set when the run is one shard of a split load (`run --shard`). */
  shard?: ShardOf;
}

/**
 * runRecordOutput is run.json's writer, a run output: when the run's clock has started it writes
 * what `report` needs to rebuild a summary from requests.csv if the process dies before it writes
 * one (the scenario, the clock's origin, the prices); its stop waits for the write. `write` puts
 * the text in place (the CLI: atomically, beside requests.csv).
 */
export function runRecordOutput(of: RunRecordOf, write: (text: string) => Promise<void>): RunOutput {
  let written: Promise<void> = Promise.resolve();
  return {
    start(run: RunStart) {
      const record = runRecord(of, run);
      written = write(`${JSON.stringify(record, null, 2)}\n`);
      // A failed write is reported by stop; until then it must not count as unhandled.
      written.catch(() => undefined);
    },
    add: () => undefined,
    stop: () => written,
  };
}

// runRecord is run.json's document for a run started on `run`'s clock.
function runRecord(of: RunRecordOf, run: RunStart): RunRecord {
  const { scenario } = of;
  return {
    schema: RUN_RECORD_SCHEMA.id,
    schemaVersion: RUN_RECORD_SCHEMA.version,
    tool: TOOL,
    runId: of.runId,
    originEpochMs: run.originEpochMs,
    startedAtMs: run.startedAtMs,
    loadModel: runLoadModel(scenario),
    scenario: scenarioEcho(scenario),
    prices: of.pricing
      ? catalogExcerpt(
          of.pricing,
          scenario.targets.map((t) => t.model),
        )
      : null,
    ...(of.shard ? { shard: shardTag(of.shard, new Date(run.originEpochMs + run.startedAtMs).toISOString()) } : {}),
  };
}
