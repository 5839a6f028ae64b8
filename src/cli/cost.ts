import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { loadCatalog } from '../cost/catalog.js';
import { formatUsd, usdNumber } from '../cost/money.js';
import {
  periodLine,
  project,
  projectionSchema,
  resolveModels,
  volumeOf,
  type ProjectionRow,
  type ProjectionWorkload,
  type WorkloadVolume,
} from '../cost/projection.js';
import type { RunSummary } from '../summary/run-summary.js';
import { parseScenarioText } from '../scenario/load.js';
import { formatPath } from '../scenario/validate.js';
import { fitText, table } from '../report/text-table.js';
import { CliError, ExitCode } from './exit-codes.js';
import { reportWidth, type Io } from './io.js';

export interface CostCommandOptions {
  catalog?: string;
  from?: string;
  csv?: string;
  /** Print every column of the table, whatever the terminal's width. */
  wide?: boolean;
}

/** COST_COLUMNS are the projection CSV's columns (dollars to the cent). */
export const COST_COLUMNS = [
  'model',
  'monthly_input_usd',
  'monthly_output_usd',
  'total_monthly_usd',
  'per_day_usd',
  'annual_usd',
  'x_vs_cheapest',
] as const;

/**
 * costCommand projects monthly spend for workload volumes × models from a pricing catalog, prints
 * the table and writes it as CSV. Money is exact (integer pico-dollars) and printed to the cent.
 */
export async function costCommand(file: string, opts: CostCommandOptions, io: Io): Promise<ExitCode> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(ExitCode.InvalidInput, `${file}: file not found; pass a projection file (see docs/cost.md)`);
  }
  const doc = parseScenarioText(text, extname(file) === '.json' ? 'json' : 'yaml');
  if (!doc.ok) throw new CliError(ExitCode.InvalidInput, `${file}: ${doc.problems.map((p) => `line ${p.path}: ${p.message}`).join('; ')}`);
  // A scenario handed to `cost` by mistake: say so, rather than list its keys as unknown.
  const d = doc.doc as Record<string, unknown> | null;
  if (d && typeof d === 'object' && 'targets' in d && 'load' in d)
    throw new CliError(
      ExitCode.InvalidInput,
      `${file} is a scenario (it has targets and load); bakeoff cost takes a projection file (workloads ` +
        `with volumes × models, see docs/cost.md and scenarios/cost/) — or use bakeoff validate for a ` +
        `scenario's cost estimate`,
    );
  const parsed = projectionSchema.safeParse(doc.doc);
  if (!parsed.success)
    throw new CliError(
      ExitCode.InvalidInput,
      `${file}:\n${parsed.error.issues.map((i) => `  ${formatPath(i.path)}: ${friendlyIssue(i)}`).join('\n')}`,
    );
  const projection = parsed.data;
  const catalog = await loadCatalog(opts.catalog ? resolve(opts.catalog) : undefined).catch((err: Error) => {
    throw new CliError(ExitCode.InvalidInput, `--catalog: ${err.message}`);
  });
  const measured = opts.from ? await measuredShapes(opts.from) : undefined;
  const problems: string[] = [];
  const volumes: WorkloadVolume[] = [];
  for (const w of projection.workloads) {
    const v = volumeOf(withMeasured(w, measured), projection.daysPerMonth);
    if (typeof v === 'string') problems.push(v);
    else volumes.push(v);
  }
  const prices = resolveModels(catalog, projection.models);
  if (typeof prices[0] === 'string') problems.push(...(prices as string[]));
  if (problems.length) throw new CliError(ExitCode.InvalidInput, `${file}:\n  ${problems.join('\n  ')}`);
  const priced = prices as Exclude<typeof prices, string[]>;
  const rows = project(volumes, priced, projection.daysPerMonth, projection.offPeakShare);

  io.out(
    renderProjection(
      rows,
      volumes,
      catalog.asOf,
      projection.daysPerMonth,
      periodLine(priced, projection.offPeakShare),
      reportWidth(io, opts),
    ),
  );
  const csvPath = resolve(opts.csv ?? join('results', `cost-${basename(file, extname(file))}.csv`));
  await mkdir(dirname(csvPath), { recursive: true });
  await writeFile(csvPath, projectionCsv(rows));
  io.out(`\ncsv: ${csvPath}`);
  return ExitCode.Ok;
}

/** renderProjection prints the table: model | monthly input $ | monthly output $ | total / month | per day | annual | × vs cheapest. */
export function renderProjection(
  rows: readonly ProjectionRow[],
  volumes: readonly WorkloadVolume[],
  asOf: string,
  days: number,
  period?: string,
  width?: number,
): string {
  const vol = volumes.map(
    (v) =>
      `  ${v.name}: ${v.requestsPerMonth ? `${v.requestsPerMonth.toLocaleString('en-US')} requests, ` : ''}` +
      `${v.inputTokensPerMonth.toLocaleString('en-US')} input + ${v.outputTokensPerMonth.toLocaleString('en-US')} output tokens a month`,
  );
  const t = table(
    ['model', 'monthly input $', 'monthly output $', 'total / month', `per day (${days}-day month)`, 'annual', '× vs cheapest'],
    rows.map((r) => [
      r.model,
      formatUsd(r.inputMonthly),
      formatUsd(r.outputMonthly),
      formatUsd(r.totalMonthly),
      formatUsd(r.perDay),
      formatUsd(r.annual),
      `${r.timesCheapest.toFixed(2)}×`,
    ]),
    1,
    // At a narrow console the split by input and output drops first, then the day and the year; the month's total and
    // how it compares with the cheapest stay.
    { width, drop: [undefined, 4, 4, undefined, 3, 2, undefined], fold: [true] },
  );
  const byWorkload =
    volumes.length > 1
      ? [
          '',
          'by workload (total / month):',
          table(
            ['workload', ...rows.map((r) => r.model)],
            volumes.map((v) => [v.name, ...rows.map((r) => formatUsd(r.byWorkload[v.name] ?? 0n))]),
            1,
            // At a narrow console the dearest models (the last columns) drop first; the cheapest stays.
            { width, drop: [undefined, undefined, ...rows.slice(1).map((_, i) => i + 1)], fold: [true] },
          ),
        ]
      : [];
  const lines = [
    `monthly spend projection (catalog prices as of ${asOf}, USD)`,
    ...(period ? [`  ${period}`] : []),
    ...vol,
    '',
    t,
    ...byWorkload,
  ];
  return fitText(lines.join('\n'), width);
}

/** projectionCsv is the table as CSV, dollars to the cent. */
export function projectionCsv(rows: readonly ProjectionRow[]): string {
  return stringify(
    rows.map((r) => [
      r.model,
      usdNumber(r.inputMonthly).toFixed(2),
      usdNumber(r.outputMonthly).toFixed(2),
      usdNumber(r.totalMonthly).toFixed(2),
      usdNumber(r.perDay).toFixed(2),
      usdNumber(r.annual).toFixed(2),
      r.timesCheapest.toFixed(2),
    ]),
    { header: true, columns: [...COST_COLUMNS] },
  );
}

// Measured request shapes from a run: mean input and output tokens per request, per workload and overall.
async function measuredShapes(runDir: string): Promise<Map<string, { input: number; output: number }>> {
  let s: RunSummary;
  try {
    s = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    throw new CliError(ExitCode.InvalidInput, `--from: ${runDir} has no readable summary.json; pass a run directory (results/<run-id>)`);
  }
  const out = new Map<string, { input: number; output: number }>();
  const add = (key: string, groups: RunSummary['groups']) => {
    const req = groups.reduce((n, g) => n + g.requests.total, 0);
    const ok = groups.reduce((n, g) => n + g.requests.ok, 0);
    if (req && ok)
      out.set(key, {
        input: Math.round(groups.reduce((n, g) => n + g.tokens.input, 0) / req),
        output: Math.round(groups.reduce((n, g) => n + g.tokens.output, 0) / ok),
      });
  };
  const targets = s.groups.filter((g) => (g.scope ?? 'target') === 'target');
  add('*', targets);
  const byWorkload = s.groups.filter((g) => g.scope === 'workload');
  for (const name of new Set(byWorkload.map((g) => g.workload ?? '')))
    add(
      name,
      byWorkload.filter((g) => g.workload === name),
    );
  return out;
}

function withMeasured(w: ProjectionWorkload, measured?: Map<string, { input: number; output: number }>): ProjectionWorkload {
  if (!measured || (w.inputTokens !== undefined && w.outputTokens !== undefined)) return w;
  const m = measured.get(w.name) ?? measured.get('*');
  if (!m) return w;
  return { ...w, inputTokens: w.inputTokens ?? m.input, outputTokens: w.outputTokens ?? m.output };
}

// friendlyIssue words a projection-schema issue the way scenario problems are worded: what is
// expected, what to write.
function friendlyIssue(i: { code: string; message: string; keys?: readonly string[]; expected?: unknown; input?: unknown }): string {
  if (i.code === 'unrecognized_keys' && i.keys)
    return (
      `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => JSON.stringify(k)).join(', ')}; ` +
      'a projection has daysPerMonth, models and workloads (see docs/cost.md)'
    );
  if (i.code === 'invalid_type' && i.input === undefined) return `is required (${String(i.expected)})`;
  return i.message;
}
