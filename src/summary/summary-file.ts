import { SUMMARY_SCHEMA, type RunSummary } from './run-summary.js';

// The same damage shows as a missing groups[] or a group missing its parts; one remedy for both.
const CUT_SHORT = 'the file is cut short or was edited — run the scenario again';

/**
 * readSummaryText checks that a text is a summary.json this build can read: JSON, the summary
 * schema, its version, and groups with histograms. A problem is a sentence saying what the text is
 * and what to pass instead.
 */
export function readSummaryText(text: string): { summary: RunSummary } | { problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message}); pass a summary.json written by bakeoff run, or its run directory` };
  }
  const d = doc as Partial<RunSummary> | null;
  if (!d || typeof d !== 'object' || d.schema !== SUMMARY_SCHEMA.id)
    return {
      problem:
        `not a bakeoff summary (no "schema": "${SUMMARY_SCHEMA.id}"); pass the summary.json of a run ` +
        `directory (results/<run-id>/summary.json), not requests.csv or a scenario`,
    };
  if (d.schemaVersion !== SUMMARY_SCHEMA.version)
    return {
      problem:
        `summary schema version ${JSON.stringify(d.schemaVersion)}, but this bakeoff (${SUMMARY_SCHEMA.id} ` +
        `version ${SUMMARY_SCHEMA.version}) reads only version ${SUMMARY_SCHEMA.version}; run the scenario ` +
        'again with this version, or compare with the bakeoff that wrote it (docs/summary-schema.md says what changed)',
    };
  if (!Array.isArray(d.groups)) return { problem: `has no groups[]; ${CUT_SHORT}` };
  for (const [i, g] of d.groups.entries()) {
    if (
      !g ||
      typeof g.key !== 'string' ||
      typeof g.histograms !== 'object' ||
      g.histograms === null ||
      typeof g.metrics !== 'object' ||
      typeof g.requests !== 'object'
    )
      return {
        problem: `groups[${i}] lacks its key, requests, metrics or histograms; ${CUT_SHORT}`,
      };
  }
  return { summary: d as RunSummary };
}
