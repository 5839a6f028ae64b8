import type { Catalog } from '../cost/catalog.js';
import type { GeneratorHealth } from '../metrics/generator-health.js';
import { Recorder } from '../metrics/recorder.js';
import { goodputPlanOf } from '../metrics/goodput.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { Scenario } from '../scenario/schema.js';
import type { RunRecord } from './run-record.js';
import type { RunSummary } from './run-summary.js';
import { summarizeRun } from './summarize-run.js';
import { judgingOfEcho } from '../analysis/thresholds.js';

/** REBUILD_MISSING: what a summary rebuilt from requests.csv cannot know (it is not in the rows). */
export const REBUILD_MISSING = [
  "the generator's health (event-loop delay, CPU): not recorded",
  'arrivals dropped without being sent, backoff waits and targets stopped for their refusals: not rows of requests.csv',
  'failover breaker transitions and outages: not rows of requests.csv',
  "inter-token gaps: each request's mean, maximum and count are exact, ITL percentiles approximate",
];

const UNKNOWN_HEALTH: GeneratorHealth = {
  eventLoopDelayMs: { mean: null, p50: null, p99: null, max: null },
  dispatchLagMs: { p50: null, p99: null, max: null },
  eventLoopUtilization: null,
  cpuPercent: null,
  saturated: false,
  warnings: ["the generator's health was not recorded (summary rebuilt from requests.csv): its saturation cannot be ruled out"],
};

/**
 * rebuildSummary makes the summary of a run that died before writing one, from its run.json and
 * the rows of its requests.csv (whole rows only: the writer never leaves half a row). What the rows
 * do not hold is listed in `rebuilt.missing` and on the console; nothing missing is shown as 0.
 */
export function rebuildSummary(record: RunRecord, results: Iterable<RequestResult>, catalog?: Catalog): RunSummary {
  // The scenario echo is the validated scenario (durations in ms, secrets redacted): read, not re-validated.
  const s = record.scenario as Scenario;
  const workloads = Array.isArray(s.workloads) ? s.workloads : [];
  const recorder = new Recorder({
    byWorkload: workloads.length > 1,
    byTurn: workloads.some((w) => w.turns > 1),
    originEpochMs: record.originEpochMs,
    goodput: goodputPlanOf({ goodput: s.goodput, workloads }),
  });
  for (const t of Array.isArray(s.targets) ? s.targets : [])
    recorder.declare({ target: t.name, region: t.region, provider: t.provider ?? '', model: t.model });
  for (const f of Array.isArray(s.failover) ? s.failover : []) recorder.declareRoute(f.name);
  let lastEnd = record.startedAtMs;
  for (const r of results) {
    recorder.add(r);
    if (r.endAtMs > lastEnd) lastEnd = r.endAtMs;
  }
  const judging = judgingOfEcho(record.scenario);
  if ('error' in judging) throw new Error(`run.json's scenario: its slo or thresholds cannot be read (${judging.error})`);
  const iso = (ms: number) => new Date(record.originEpochMs + ms).toISOString();
  return summarizeRun(recorder, {
    tool: record.tool,
    runId: record.runId,
    startedAt: iso(record.startedAtMs),
    endedAt: iso(lastEnd),
    durationMs: lastEnd - record.startedAtMs,
    status: 'interrupted',
    stopReason: 'rebuilt from requests.csv: the run ended without writing summary.json (killed, or the machine stopped)',
    loadModel: record.loadModel,
    scenario: record.scenario,
    generator: UNKNOWN_HEALTH,
    ...(catalog ? { pricing: catalog } : {}),
    ...judging,
    rebuilt: { from: 'requests.csv', missing: [...REBUILD_MISSING] },
    clock: { originEpochMs: record.originEpochMs, offset: null },
    ...(record.shard ? { shard: record.shard } : {}),
  });
}
