import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { buildCatalog, catalogSchema } from '../cost/catalog.js';
import type { RequestResult } from '../metrics/request-result.js';
import { consoleTable } from '../report/console-table.js';
import { wrap } from '../report/text-table.js';
import { MissingColumnError, resultFromRow } from '../output/requests-csv.js';
import { RESULT_FILES, writeSummaryFiles } from '../report/results-dir.js';
import { rebuildSummary } from '../summary/rebuild.js';
import { RUN_RECORD_SCHEMA, type RunRecord } from '../summary/run-record.js';
import { SUMMARY_SCHEMA, type RunSummary } from '../summary/run-summary.js';
import { CliError, ExitCode } from './exit-codes.js';
import { reportWidth, shortPath, type Io } from './io.js';
import { exitCodeOf } from './run.js';

/**
 * reportCommand rebuilds every output of a run from its directory, sending nothing: from
 * summary.json when it is there; else, for a run that died before writing it, a summary rebuilt
 * from requests.csv and run.json (which says so, and what the rows cannot tell). It prints the
 * report and exits 0 — or, with --exit-code, with the code the run would have exited with (3 on a
 * threshold breach, 5 invalid…), for CI steps that re-judge a run.
 */
export async function reportCommand(
  dirArg: string,
  opts: { quiet?: boolean; exitCode?: boolean; wide?: boolean },
  io: Io,
): Promise<ExitCode> {
  const dir = resolve(dirArg);
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new CliError(ExitCode.InvalidInput, `${dirArg}: not a directory; pass a run directory (results/<run-id>/)`);
  const summaryFile = join(dir, RESULT_FILES.summaryJson);
  let summary: RunSummary;
  if (existsSync(summaryFile)) {
    summary = readSummary(summaryFile, await readFile(summaryFile, 'utf8'));
  } else if (existsSync(join(dir, RESULT_FILES.requestsCsv))) {
    const record = await readRecord(join(dir, RESULT_FILES.runJson));
    const catalog = record.prices ? buildCatalog(catalogSchema.parse(record.prices)) : undefined;
    summary = rebuildSummary(record, await readRows(join(dir, RESULT_FILES.requestsCsv)), catalog);
    io.err(`${dirArg}: no summary.json; rebuilt it from requests.csv and run.json`);
  } else {
    throw new CliError(ExitCode.InvalidInput, `${dirArg}: neither summary.json nor requests.csv; pass a run directory (results/<run-id>/)`);
  }
  const files = await writeSummaryFiles(dir, summary);
  const width = reportWidth(io, opts);
  if (!opts.quiet) io.out(consoleTable(summary, width));
  io.out(`${opts.quiet ? '' : '\n'}${wrap(`written: ${files.map((f) => shortPath(f)).join(', ')}`, width).join('\n')}`);
  return opts.exitCode ? exitCodeOf(summary) : ExitCode.Ok;
}

/** readSummary reads a run's summary.json, or says (exit 2) why it is not one this bakeoff reads. */
export function readSummary(file: string, text: string): RunSummary {
  let doc: Partial<RunSummary>;
  try {
    doc = JSON.parse(text) as Partial<RunSummary>;
  } catch (err) {
    throw new CliError(
      ExitCode.InvalidInput,
      `${file}: not JSON (${(err as Error).message}); remove it to rebuild the summary from requests.csv`,
    );
  }
  if (doc.schema !== SUMMARY_SCHEMA.id)
    throw new CliError(ExitCode.InvalidInput, `${file}: not an llm-bakeoff summary (schema ${JSON.stringify(doc.schema)})`);
  if (doc.schemaVersion !== SUMMARY_SCHEMA.version)
    throw new CliError(
      ExitCode.InvalidInput,
      `${file}: summary schema version ${doc.schemaVersion}; this bakeoff reads version ` +
        `${SUMMARY_SCHEMA.version} (use the version that wrote it, or rerun)`,
    );
  return doc as RunSummary;
}

async function readRecord(file: string): Promise<RunRecord> {
  if (!existsSync(file))
    throw new CliError(
      ExitCode.InvalidInput,
      `${file} is missing: without summary.json, rebuilding needs the run.json a run writes when it ` +
        `starts (this directory was not written by \`bakeoff run\`, or by an older version)`,
    );
  const doc = JSON.parse(await readFile(file, 'utf8')) as Partial<RunRecord>;
  if (doc.schema !== RUN_RECORD_SCHEMA.id || doc.schemaVersion !== RUN_RECORD_SCHEMA.version)
    throw new CliError(
      ExitCode.InvalidInput,
      `${file}: not a run record this bakeoff reads (schema ${JSON.stringify(doc.schema)} v${doc.schemaVersion})`,
    );
  return doc as RunRecord;
}

// requests.csv read as it streams (a long run's file can be large): one RequestResult per row. A
// file without a column a rebuild reads is not one this bakeoff wrote: exit 2, naming the column.
async function readRows(file: string): Promise<RequestResult[]> {
  const out: RequestResult[] = [];
  const parser = createReadStream(file).pipe(parseCsv({ columns: true, relax_column_count: false }));
  try {
    for await (const row of parser) out.push(resultFromRow(row as Record<string, string>, file));
  } catch (err) {
    if (err instanceof MissingColumnError) throw new CliError(ExitCode.InvalidInput, err.message);
    throw err;
  }
  return out;
}
