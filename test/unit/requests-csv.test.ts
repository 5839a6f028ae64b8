import { describe, expect, it } from 'vitest';
import { newResult, routeOutcome, type AttemptResult, type RequestResult } from '../../src/metrics/request-result.js';
import { MissingColumnError, REQUEST_COLUMNS, requestRow, resultFromRow } from '../../src/output/requests-csv.js';

// requests.csv is written and read back through one table (COLUMNS): a record written as a row
// reads back equal, field for field, and a row without a column the reading needs is an error
// that names the column, never a silent 0 or ''.

/** A routed retry with every field away from its default, in values a row keeps exactly (ms to 3 decimals). */
function attempt(): AttemptResult {
  const r = newResult({
    id: 12,
    phase: 'measure',
    target: 'fallback',
    region: 'eu-west-1',
    provider: 'anthropic',
    model: 'claude-3-5-sonnet',
    workload: 'chat, long',
    turn: 2,
    step: 'rate=20',
    scheduledAtMs: 1_000.125,
    queuedMs: 3.5,
    inputTokens: 2_150,
    requestedOutputTokens: 64,
  });
  return Object.assign(r, {
    route: 'chat',
    attempt: 2,
    parentId: 11,
    providerRequestId: 'req_01"x"',
    retryAfterMs: 1_500,
    sentAtMs: 1_004.75,
    connection: 'new' as const,
    dnsMs: 1.25,
    tcpMs: 2.5,
    tlsMs: 7.125,
    headersAtMs: 1_100.5,
    firstTokenAtMs: 1_150.25,
    firstContentAtMs: 1_180.5,
    endAtMs: 1_400.75,
    // 3 content + 2 reasoning deltas, one gap coalesced: 3 timed gaps, equal, so they read back exactly.
    itlMs: [20.5, 20.5, 20.5],
    coalescedGaps: 1,
    contentDeltas: 3,
    reasoningDeltas: 2,
    outputTokens: 40,
    cachedInputTokens: 2_000,
    cacheWriteInputTokens: 100,
    cacheWrite1hInputTokens: 50,
    tokenSource: 'usage' as const,
    outputTokensCounted: 41,
    status: 200,
    errorKind: 'reset' as const,
    errorMessage: 'socket hang up, mid-stream\nafter 40 tokens',
    finishReason: 'length',
  });
}

/** The user-level outcome that retry served. */
function outcome(): RequestResult {
  const a = attempt();
  return routeOutcome(Object.assign(a, { errorKind: null, errorMessage: '' }), {
    id: 11,
    target: 'chat',
    region: '',
    provider: 'route',
    route: 'chat',
    scheduledAtMs: 900.5,
    sentAtMs: 901,
    queuedMs: 0.5,
    attempts: 2,
    servedBy: 'fallback',
    timeLostMs: 99.875,
    failoverMs: 249.75,
  });
}

// A row as csv-parse gives it (columns: true): every cell a string.
const rowOf = (r: RequestResult) => Object.fromEntries(REQUEST_COLUMNS.map((c, i) => [c, String(requestRow(r)[i])]));

// Columns computed from others: the reading does not need them.
const COMPUTED = [
  'ttft_ms',
  'e2e_ms',
  'tpot_ms',
  'time_to_headers_ms',
  'ttft_service_ms',
  'e2e_service_ms',
  'dispatch_lag_ms',
  'ok',
  'slo_met',
  'slo_missed',
];

describe('requests.csv through COLUMNS', () => {
  it.each([
    ['a route retry', attempt],
    ['a route outcome', outcome],
    ['a direct request, nothing happened', () => newResult({ ...attempt(), turn: 1 })],
  ])('%s: written as a row, read back equal', (_, make) => {
    const r = make();
    expect(resultFromRow(rowOf(r))).toEqual(r);
  });

  it("a route outcome's row says attempt 0 and reads back as an outcome; a retry's its number", () => {
    expect(rowOf(outcome())).toMatchObject({ attempt: '0', attempts: '2', served_by: 'fallback', parent_id: '' });
    expect(rowOf(attempt())).toMatchObject({ attempt: '2', attempts: '1', served_by: 'fallback', parent_id: '11' });
    expect(resultFromRow(rowOf(outcome())).kind).toBe('outcome');
    expect(resultFromRow(rowOf(attempt())).kind).toBe('attempt');
  });

  it.each(REQUEST_COLUMNS.map((c) => [c]))('without %s: an error naming it and the file, unless it is computed', (column) => {
    const row: Record<string, string> = rowOf(outcome());
    delete row[column];
    const read = () => resultFromRow(row, 'results/r1/requests.csv');
    if (COMPUTED.includes(column)) {
      expect(read()).toEqual(outcome());
      return;
    }
    expect(read).toThrow(MissingColumnError);
    expect(read).toThrow(`results/r1/requests.csv: no column "${column}"`);
  });

  it('every computed column is one requests.csv writes', () => {
    for (const c of COMPUTED) expect(REQUEST_COLUMNS).toContain(c);
  });
});
