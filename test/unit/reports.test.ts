import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { GeneratorHealth } from '../../src/metrics/generator-health.js';
import { LATENCY_METRICS } from '../../src/scenario/metric-names.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { summarizeRun } from '../../src/summary/summarize-run.js';
import { consoleTable } from '../../src/report/console-table.js';
import { REQUEST_COLUMNS, csvLine, requestRow, requestsCsvWriter, resultFromRow } from '../../src/output/requests-csv.js';
import { SUMMARY_COLUMNS, summaryCsv } from '../../src/report/summary-csv.js';
import { buildCatalog, catalogSchema } from '../../src/cost/catalog.js';

function result(over: Partial<RequestResult> = {}): RequestResult {
  return {
    ...newResult({
      id: 1,
      phase: 'measure',
      target: 'us-east',
      region: 'us-east-1',
      provider: 'mock',
      model: 'gpt-4o-mini',
      workload: 'chat',
      turn: 1,
      step: '',
      scheduledAtMs: 0,
      queuedMs: 0,
      inputTokens: 200,
      requestedOutputTokens: 4,
    }),
    sentAtMs: 0.5,
    connection: 'reused',
    headersAtMs: 20,
    firstTokenAtMs: 180.1234,
    firstContentAtMs: 180.1234,
    endAtMs: 400,
    itlMs: [10, 30, 20],
    contentDeltas: 4,
    outputTokens: 4,
    tokenSource: 'usage',
    status: 200,
    finishReason: 'stop',
    ...over,
  };
}

const failedResult = result({
  headersAtMs: null,
  firstTokenAtMs: null,
  endAtMs: 5000,
  itlMs: [],
  contentDeltas: 0,
  outputTokens: 0,
  status: 0,
  errorKind: 'connect_timeout',
  errorMessage: 'UND_ERR_CONNECT_TIMEOUT',
  finishReason: '',
});

// Built by hand rather than with assessHealth: the table only prints `warnings`, whatever decided them.
function generator(warnings: string[]): GeneratorHealth {
  return {
    eventLoopDelayMs: { mean: 1, p50: 1, p99: 2, max: 5 },
    eventLoopUtilization: 0.2,
    cpuPercent: 30,
    saturated: warnings.length > 0,
    warnings,
  };
}
const healthy = generator([]);
const saturated = generator([
  'event-loop delay p99 45ms exceeds 20ms: latencies include client-side delay',
  'generator event loop busy 97% of the time',
]);

/** runSummary builds a summary through the real Recorder, as `run` does. */
function runSummary(
  results: RequestResult[],
  generator: GeneratorHealth = healthy,
  status: RunSummary['status'] = 'completed',
): RunSummary {
  const rec = new Recorder();
  for (const r of results) rec.add(r);
  rec.declare({ target: 'idle', region: 'ap-southeast-1', provider: 'mock', model: 'gpt-4o-mini' });
  return summarizeRun(rec, {
    tool: { name: 'llm-bakeoff', version: '0.0.0-test' },
    runId: 'run-1',
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:10.000Z',
    durationMs: 10_000,
    status,
    stopReason: status === 'interrupted' ? 'SIGINT' : 'duration reached',
    scenario: {},
    generator,
  });
}

const results = [
  result(),
  result({ id: 2, scheduledAtMs: 100, sentAtMs: 100, headersAtMs: 130, firstTokenAtMs: 300, endAtMs: 600 }),
  result({ id: 3, target: 'eu-west', region: 'eu-west-1' }),
  { ...failedResult, id: 4, target: 'eu-west', region: 'eu-west-1' },
];

describe('requestRow', () => {
  it.each([
    { name: 'success', r: result() },
    { name: 'failure', r: failedResult },
    { name: 'warmup', r: result({ phase: 'warmup' }) },
  ])('$name has one cell per column', ({ r }) => {
    expect(requestRow(r)).toHaveLength(REQUEST_COLUMNS.length);
  });

  const cell = (r: RequestResult, column: (typeof REQUEST_COLUMNS)[number]) => requestRow(r)[REQUEST_COLUMNS.indexOf(column)];

  it.each([
    // Times that never happened are empty cells, not 0 (0 would read as "instant").
    ['headers_ms', failedResult, ''],
    ['first_token_ms', failedResult, ''],
    ['ttft_ms', failedResult, ''],
    ['tpot_ms', failedResult, ''],
    ['time_to_headers_ms', failedResult, ''],
    ['itl_mean_ms', failedResult, ''],
    ['itl_max_ms', failedResult, ''],
    ['e2e_ms', failedResult, 5000],
    ['ok', failedResult, 0],
    ['error_kind', failedResult, 'connect_timeout'],
    ['ok', result(), 1],
    ['error_kind', result(), ''],
    ['first_token_ms', result(), 180.123],
    ['ttft_ms', result(), 180.123],
    ['tpot_ms', result(), 73.292], // (400 − 180.1234) / 3
    ['time_to_headers_ms', result(), 20],
    ['itl_mean_ms', result(), 20],
    ['itl_max_ms', result(), 30],
    ['token_source', result(), 'usage'],
  ] as const)('%s of %#', (column, r, expected) => {
    expect(cell(r, column)).toBe(expected);
  });
});

describe('summaryCsv', () => {
  const s = runSummary(results);
  const text = summaryCsv(s);
  const rows = parse(text, { columns: true }) as Record<string, string>[];

  it('has the SUMMARY_COLUMNS header', () => {
    expect(parse(text, { to_line: 1 })[0]).toEqual([...SUMMARY_COLUMNS]);
  });

  it('has one row per group × metric', () => {
    expect(rows.map((r) => `${r.group}/${r.metric}`)).toEqual(
      ['us-east', 'eu-west', 'idle'].flatMap((g) => LATENCY_METRICS.map((m) => `${g}/${m}`)),
    );
  });

  it.each([
    [
      'us-east',
      'e2e',
      {
        run_id: 'run-1',
        target: 'us-east',
        region: 'us-east-1',
        unit: 'ms',
        count: '2',
        requests: '2',
        ok: '2',
        failed: '0',
        error_rate: '0',
      },
    ],
    ['eu-west', 'ttft', { count: '1', requests: '2', ok: '1', failed: '1', error_rate: '0.5' }],
    ['eu-west', 'itl', { count: '3' }],
    // No data is an empty cell, never 0; counts are real zeros.
    ['idle', 'e2e', { count: '0', requests: '0', mean: '', p50: '', p99: '', max: '', error_rate: '', requests_per_sec: '' }],
  ])('%s/%s row values', (group, metric, expected) => {
    expect(rows.find((r) => r.group === group && r.metric === metric)).toMatchObject(expected);
  });

  it('matches the summary numbers', () => {
    const g = s.groups[0]!;
    const row = rows.find((r) => r.group === g.key && r.metric === 'ttft')!;
    expect(Number(row.p50)).toBe(g.metrics.ttft.p50);
    expect(Number(row.p99_9)).toBe(g.metrics.ttft.p999);
    expect(Number(row.requests_per_sec)).toBe(g.throughput.requestsPerSec);
  });
});

describe('consoleTable', () => {
  it.each([
    { name: 'healthy run', generator: healthy, status: 'completed' as const, warnings: 0, interrupted: false },
    { name: 'saturated generator', generator: saturated, status: 'completed' as const, warnings: 2, interrupted: false },
    { name: 'interrupted run', generator: healthy, status: 'interrupted' as const, warnings: 0, interrupted: true },
  ])('$name', ({ generator, status, warnings, interrupted }) => {
    const out = consoleTable(runSummary(results, generator, status));
    for (const target of ['us-east', 'eu-west', 'idle']) expect(out).toContain(target);
    expect(out.split('\n').filter((l) => l.startsWith('WARNING: '))).toHaveLength(warnings);
    expect(out.includes('NOTE: run interrupted (SIGINT)')).toBe(interrupted);
  });

  it('prints each saturation warning', () => {
    const out = consoleTable(runSummary(results, saturated));
    for (const w of saturated.warnings) expect(out).toContain(`WARNING: ${w}`);
  });

  it('lists errors by kind for targets that failed', () => {
    const out = consoleTable(runSummary(results));
    // Each kind with one message of that kind: what the failure looked like.
    expect(out).toContain('errors eu-west:\n  connect_timeout ×1: UND_ERR_CONNECT_TIMEOUT');
    expect(out).not.toContain('errors us-east');
  });

  it('shows a dash for a target with no measurements', () => {
    const idleRow = consoleTable(runSummary(results))
      .split('\n')
      .find((l) => l.startsWith('idle'))!;
    expect(idleRow).toContain('0/0');
    expect(idleRow).toContain('—');
  });
});

describe('no data is never printed as 0', () => {
  // A priced bake-off where one target answered nothing successfully: its latencies and its cost
  // per ok request / per 1M output tokens do not exist. They are null in summary.json, empty in
  // summary.csv, "—" on the console, and the decision table says why.
  const pricing = buildCatalog(
    catalogSchema.parse({ asOf: '2026-05-01', currency: 'USD', models: { 'gpt-4o-mini': { input: 0.15, output: 0.6, source: 'test' } } }),
  );
  const rec = new Recorder();
  rec.add(result());
  rec.add({ ...failedResult, id: 7, target: 'down', region: 'eu-west-1' });
  rec.add({ ...failedResult, id: 8, target: 'down', region: 'eu-west-1' });
  const s = summarizeRun(rec, {
    tool: { name: 'llm-bakeoff', version: '0.0.0-test' },
    runId: 'run-2',
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:10.000Z',
    durationMs: 10_000,
    status: 'completed',
    stopReason: 'duration reached',
    scenario: {},
    generator: healthy,
    pricing,
  });
  const down = s.groups.find((g) => g.target === 'down')!;
  const row = s.decision!.rows.find((r) => r.target === 'down')!;

  it('summary.json: null latencies and null per-unit costs for the target with no successful request', () => {
    expect(down.metrics.ttft).toMatchObject({ count: 0, p50: null, p99: null });
    expect(down.metrics.e2e).toMatchObject({ count: 0, p50: null, p99: null });
    expect(down.cost).toMatchObject({ priced: true, totalUsd: 0, perSuccessfulRequestUsd: null, per1MOutputTokensUsd: null });
    expect(row).toMatchObject({
      ttftP50: null,
      ttftP99: null,
      e2eP50: null,
      e2eP99: null,
      perSuccessfulRequestUsd: null,
      per1MOutputTokensUsd: null,
      meetsSlo: false,
      note: 'no successful requests',
    });
    // Round-trips through JSON as null, not as 0.
    expect(JSON.parse(JSON.stringify(s)).decision.rows.find((r: { target: string }) => r.target === 'down').ttftP50).toBeNull();
  });

  it('summary.csv: empty cells', () => {
    const rows = parse(summaryCsv(s), { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.group === 'down' && r.metric === 'ttft')).toMatchObject({
      count: '0',
      p50: '',
      p99: '',
      cost_per_ok_request_usd: '',
      cost_per_1m_output_tokens_usd: '',
    });
  });

  it('console: "—" in the latency and cost cells, and the decision row says there were no successful requests', () => {
    const out = consoleTable(s);
    const decisionRow = out.split('\n').filter((l) => l.startsWith('down'));
    const last = decisionRow.at(-1)!;
    expect(last).toContain('no successful requests');
    expect(last).not.toMatch(/0\.00ms|\$0\.000000|\$0\.00 /);
    expect(last.match(/—/g)!.length).toBeGreaterThanOrEqual(6);
  });
});

describe('resultFromRow (rebuilding from requests.csv)', () => {
  it.each([
    { name: 'success', r: result({ requestedOutputTokens: 64, outputTokensCounted: 5, cachedInputTokens: 7, retryAfterMs: null }) },
    { name: 'failure', r: { ...failedResult, retryAfterMs: 2000, requestedOutputTokens: 16 } },
    {
      name: 'warmup with reasoning',
      r: result({ phase: 'warmup', reasoningDeltas: 2, firstContentAtMs: 250, itlMs: [10, 30, 20, 15, 25] }),
    },
    { name: 'tokens read in bursts', r: result({ itlMs: [30], coalescedGaps: 2 }) },
  ])('$name: every column reads back; the gaps keep their count, mean and maximum', ({ r }) => {
    const cells = requestRow(r).map((c) => String(c));
    const row = Object.fromEntries(REQUEST_COLUMNS.map((c, i) => [c, cells[i]]));
    const back = resultFromRow(row);
    expect(requestRow(back)).toEqual(requestRow(r));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(back.itlMs).toHaveLength(r.itlMs.length);
    expect(back.coalescedGaps).toBe(r.coalescedGaps);
    expect(sum(back.itlMs)).toBeCloseTo(sum(r.itlMs), 6);
    expect(Math.max(0, ...back.itlMs)).toBe(Math.max(0, ...r.itlMs));
  });
});

describe('requestsCsvWriter', () => {
  it('writes whole rows that csv-parse reads back cell for cell, quoting only what needs it', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { parse } = await import('csv-parse/sync');
    const dir = await mkdtemp(join(tmpdir(), 'bakeoff-csv-'));
    try {
      const file = join(dir, 'requests.csv');
      const w = requestsCsvWriter(file);
      const nasty = ['HTTP 500: "quoted", with comma', 'two\nlines', 'cr\r\nlf', '=1+2', '', ' padded ', 'ünïcödé ✓'];
      const rows = nasty.map((m, i) => result({ id: i, errorKind: 'http_5xx', errorMessage: m, status: 500 }));
      for (const r of rows) w.add(r);
      await w.stop();
      const text = await readFile(file, 'utf8');
      const parsed = parse(text, { columns: true }) as Record<string, string>[];
      expect(Object.keys(parsed[0]!)).toEqual([...REQUEST_COLUMNS]);
      expect(parsed.map((p) => p.error_message)).toEqual(nasty);
      for (const [i, p] of parsed.entries()) expect(REQUEST_COLUMNS.map((c) => p[c])).toEqual(requestRow(rows[i]!).map(String));
      // Cells without a delimiter, quote or line break are not quoted.
      expect(text.split('\n')[0]).toBe(REQUEST_COLUMNS.join(','));
      expect(csvLine(['a b', 1.5, '', 'x,y', 'say "hi"'])).toBe('a b,1.5,,"x,y","say ""hi"""\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('offered load on the console (open loop)', () => {
  it.each([
    { name: 'healthy, nothing dropped: no offered-load line', gen: healthy, line: null },
    {
      name: 'saturated, nothing dropped: target beside sent, and whose doing it is',
      gen: saturated,
      line: /^offered load us-east: target [\d.]+\/s, sent [\d.]+\/s, none dropped: generator saturated$/m,
    },
  ])('$name', ({ gen, line }) => {
    const s = { ...runSummary(results, gen), loadModel: 'open' as const };
    const text = consoleTable(s);
    if (line) expect(text).toMatch(line);
    else expect(text).not.toContain('offered load');
  });
});
