import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../summary/run-summary.js';
import { summaryCsv } from './summary-csv.js';
import { failoverCsv } from './failover-csv.js';

/** RESULT_FILES are the file names a run directory holds. */
export const RESULT_FILES = {
  summaryJson: 'summary.json',
  summaryCsv: 'summary.csv',
  requestsCsv: 'requests.csv',
  failoverCsv: 'failover.csv',
} as const;

/** runId names a run directory: UTC time then scenario name, e.g. 20261127-134512-quickstart. */
export function runId(scenarioName: string, at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${scenarioName}`;
}

/** ensureDir creates a run directory (and parents). */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** writeSummaryFiles writes summary.json and summary.csv; requests.csv is streamed during the run. */
export async function writeSummaryFiles(dir: string, s: RunSummary): Promise<string[]> {
  const files = [join(dir, RESULT_FILES.summaryJson), join(dir, RESULT_FILES.summaryCsv)];
  await writeFile(files[0]!, JSON.stringify(s, null, 2) + '\n');
  await writeFile(files[1]!, summaryCsv(s));
  if (s.failover) {
    files.push(join(dir, RESULT_FILES.failoverCsv));
    await writeFile(files[2]!, failoverCsv(s));
  }
  return files;
}
