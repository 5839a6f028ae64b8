import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunSummary } from '../summary/run-summary.js';
import { summaryCsv } from './summary-csv.js';
import { failoverCsv } from './failover-csv.js';
import { hgrmFiles } from './hgrm.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderHtmlReport } from './html/report-html.js';

/** RESULT_FILES are the file names a run directory holds. */
export const RESULT_FILES = {
  summaryJson: 'summary.json',
  summaryCsv: 'summary.csv',
  requestsCsv: 'requests.csv',
  failoverCsv: 'failover.csv',
  runJson: 'run.json',
  reportMd: 'report.md',
  junitXml: 'junit.xml',
  hgrmDir: 'hgrm',
  reportHtml: 'report.html',
} as const;

/** runId names a run directory: UTC time then scenario name, e.g. 20261127-134512-quickstart. */
export function runId(scenarioName: string, at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${scenarioName}`;
}

/** RunDirProblem is why a run directory cannot be used, in words for the user. */
export class RunDirProblem extends Error {}

// How long creating and probing the directory may take: some file systems (/proc, a dead network
// mount) never answer, and a run must not wait on them forever.
const PREPARE_TIMEOUT_MS = 5_000;

/**
 * prepareRunDir makes sure results can be written to `dir` before anything is sent: it creates it
 * (and its parents), refuses a file, refuses a non-empty directory unless `force` (earlier results
 * would be overwritten), and writes and removes a probe file. Every failure is a RunDirProblem
 * with one line that says what to do.
 */
export async function prepareRunDir(dir: string, force: boolean): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RunDirProblem(
            `${dir}: the file system did not answer within ${PREPARE_TIMEOUT_MS / 1000} s; choose a directory on a local disk`,
          ),
        ),
      PREPARE_TIMEOUT_MS,
    );
    timer.unref();
  });
  try {
    await Promise.race([prepare(dir, force), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function prepare(dir: string, force: boolean): Promise<void> {
  const existing = await stat(dir).catch(() => null);
  if (existing && !existing.isDirectory()) throw new RunDirProblem(`${dir} is a file, not a directory; choose a directory for the results`);
  if (existing) {
    const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      throw new RunDirProblem(`${dir}: cannot read it (${err.code ?? err.message}); choose a directory you can write`);
    });
    if (entries.length && !force)
      throw new RunDirProblem(
        `${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}): ` +
          'pass --force to overwrite, or choose another --out',
      );
  } else await makeDirs(dir);
  const probe = join(dir, `.bakeoff-write-test-${process.pid}`);
  try {
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    throw new RunDirProblem(
      `${dir}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a directory you can write`,
    );
  }
}

// makeDirs creates a directory and its missing parents one by one. (Node's recursive mkdir loops
// forever under /proc, where mkdir answers ENOENT though the parent exists.)
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); !(await stat(d).catch(() => null)); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new RunDirProblem(`${dir}: cannot create ${d} (${code ?? (err as Error).message}); choose a directory you can write`);
    }
  }
}

/**
 * writeSummaryFiles writes every output built from the summary (requests.csv is streamed during
 * the run): summary.json first, then summary.csv, failover.csv, report.html, report.md, junit.xml and the .hgrm
 * percentile distributions. Each file is written atomically — to a temporary file, then renamed —
 * so a crash or a kill leaves either no file or a whole one, never half of one. Returns the paths
 * to name to the user (the .hgrm files by their folder).
 */
export async function writeSummaryFiles(dir: string, s: RunSummary): Promise<string[]> {
  const files: string[] = [];
  const put = async (name: string, text: string) => {
    await writeAtomically(join(dir, name), text);
    files.push(join(dir, name));
  };
  await put(RESULT_FILES.summaryJson, `${JSON.stringify(s, null, 2)}\n`);
  await put(RESULT_FILES.summaryCsv, summaryCsv(s));
  if (s.failover) await put(RESULT_FILES.failoverCsv, failoverCsv(s));
  await put(RESULT_FILES.reportHtml, renderHtmlReport(s));
  await put(RESULT_FILES.reportMd, renderMarkdown(s));
  await put(RESULT_FILES.junitXml, renderJunit(s));
  const hgrm = hgrmFiles(s);
  for (const f of hgrm) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeAtomically(join(dir, f.path), f.text);
  }
  if (hgrm.length) files.push(`${join(dir, RESULT_FILES.hgrmDir)}/`);
  return files;
}

/** writeAtomically writes a file whole or not at all: to a temporary name beside it, then renamed over it. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
