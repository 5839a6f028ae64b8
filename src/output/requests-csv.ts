import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { ERROR_KINDS, type ErrorKind } from '../scenario/error-kinds.js';
import { attemptColumn, isAttempt, isOutcome, kindOfAttemptColumn } from '../metrics/counting.js';
import {
  dispatchLagMs,
  e2eMs,
  headersMs,
  serviceE2eMs,
  serviceTtftMs,
  tpotMs,
  ttfcMs,
  ttftMs,
  newResult,
  routeOutcome,
  type AttemptResult,
  type ConnectionUse,
  type RequestResult,
  type RouteOutcome,
} from '../metrics/request-result.js';
import type { RunOutput } from '../metrics/run-output.js';
import { missedText, sloVerdict, type GoodputPlan, type SloVerdict } from '../metrics/goodput.js';

type Cell = string | number;

/** ItlStats summarise a request's inter-token gaps for its row (the gaps themselves go to histograms). */
interface ItlStats {
  count: number;
  mean: number;
  max: number;
}

// A row being read back: the attempt every row can be read as, the fields only a route outcome
// has, and the cells a field is computed from (the gaps' mean and maximum, TTFC).
interface Decoded {
  a: AttemptResult;
  o: Pick<RouteOutcome, 'attempts' | 'servedBy' | 'timeLostMs' | 'failoverMs'>;
  itlMeanMs: number | null;
  itlMaxMs: number;
  ttfcMs: number | null;
}

/** Read puts one cell of a row into the record being read back. */
type Read = (cell: string, d: Decoded) => void;

/**
 * COLUMNS is requests.csv, one entry per column: its name, how a RequestResult fills it, and how the
 * cell reads back (null for a column computed from others: TTFT, E2E…), so a column, its value and
 * its reading can never drift apart. Times are ms on the run clock; an empty cell means the moment
 * never happened (no headers, no token). A route outcome's row has `attempt` 0, and a plain
 * attempt's the outcome columns a direct request would have (attempts 1, served by its target).
 */
const COLUMNS: readonly (readonly [name: string, cell: (r: RequestResult, itl: ItlStats, slo: SloVerdict) => Cell, read: Read | null])[] = [
  ['id', (r) => r.id, num('id')],
  ['phase', (r) => r.phase, (v, d) => void (d.a.phase = v === 'warmup' ? 'warmup' : 'measure')],
  ['target', (r) => r.target, str('target')],
  ['region', (r) => r.region, str('region')],
  ['provider', (r) => r.provider, str('provider')],
  ['model', (r) => r.model, str('model')],
  ['workload', (r) => r.workload, str('workload')],
  ['turn', (r) => r.turn, (v, d) => void (d.a.turn = Number(v) || 1)],
  ['step', (r) => r.step, str('step')],
  ['route', (r) => r.route, str('route')],
  ['attempt', attemptColumn, num('attempt')],
  ['parent_id', (r) => (isAttempt(r) ? (r.parentId ?? '') : ''), opt('parentId')],
  ['scheduled_ms', (r) => ms(r.scheduledAtMs), num('scheduledAtMs')],
  ['sent_ms', (r) => ms(r.sentAtMs), num('sentAtMs')],
  ['headers_ms', (r) => ms(r.headersAtMs), opt('headersAtMs')],
  ['first_token_ms', (r) => ms(r.firstTokenAtMs), opt('firstTokenAtMs')],
  ['end_ms', (r) => ms(r.endAtMs), num('endAtMs')],
  ['ttft_ms', (r) => ms(ttftMs(r)), null],
  ['e2e_ms', (r) => ms(e2eMs(r)), null],
  ['tpot_ms', (r) => ms(tpotMs(r)), null],
  ['time_to_headers_ms', (r) => ms(headersMs(r)), null],
  ['ttft_service_ms', (r) => ms(serviceTtftMs(r)), null],
  ['e2e_service_ms', (r) => ms(serviceE2eMs(r)), null],
  ['queue_wait_ms', (r) => ms(r.queuedMs), num('queuedMs')],
  ['dispatch_lag_ms', (r) => ms(dispatchLagMs(r)), null],
  ['connection', (r) => r.connection, (v, d) => void (d.a.connection = v as ConnectionUse)],
  ['dns_ms', (r) => ms(r.dnsMs), opt('dnsMs')],
  ['tcp_ms', (r) => ms(r.tcpMs), opt('tcpMs')],
  ['tls_ms', (r) => ms(r.tlsMs), opt('tlsMs')],
  ['itl_mean_ms', (_, itl) => (itl.count ? ms(itl.mean) : ''), (v, d) => void (d.itlMeanMs = v === '' ? null : Number(v))],
  ['itl_max_ms', (_, itl) => (itl.count ? ms(itl.max) : ''), (v, d) => void (d.itlMaxMs = numberOf(v))],
  ['content_deltas', (r) => r.contentDeltas, num('contentDeltas')],
  ['input_tokens', (r) => r.inputTokens, num('inputTokens')],
  ['output_tokens', (r) => r.outputTokens, num('outputTokens')],
  ['cached_input_tokens', (r) => r.cachedInputTokens, num('cachedInputTokens')],
  ['token_source', (r) => r.tokenSource, (v, d) => void (d.a.tokenSource = v === 'usage' ? 'usage' : 'counted')],
  ['status', (r) => r.status, num('status')],
  ['ok', (r) => (r.errorKind === null ? 1 : 0), null],
  ['error_kind', (r) => r.errorKind ?? '', (v, d) => void (d.a.errorKind = errorKindOf(v))],
  ['error_message', (r) => r.errorMessage, str('errorMessage')],
  ['finish_reason', (r) => r.finishReason, str('finishReason')],
  ['attempts', (r) => (isOutcome(r) ? r.attempts : 1), (v, d) => void (d.o.attempts = numberOf(v))],
  ['served_by', (r) => (isOutcome(r) ? r.servedBy : r.target), (v, d) => void (d.o.servedBy = v)],
  ['time_lost_ms', (r) => (isOutcome(r) ? ms(r.timeLostMs) : 0), (v, d) => void (d.o.timeLostMs = numberOf(v))],
  ['failover_ms', (r) => (isOutcome(r) ? ms(r.failoverMs) : ''), (v, d) => void (d.o.failoverMs = v === '' ? null : Number(v))],
  ['retry_after_ms', (r) => ms(r.retryAfterMs), opt('retryAfterMs')],
  ['ttfc_ms', (r) => ms(ttfcMs(r)), (v, d) => void (d.ttfcMs = v === '' ? null : Number(v))],
  ['reasoning_deltas', (r) => r.reasoningDeltas, num('reasoningDeltas')],
  // Cache writes billed apart (Anthropic); empty when the server reported no usage (our own count knows nothing of caches).
  ['cache_write_input_tokens', (r) => (r.tokenSource === 'usage' ? r.cacheWriteInputTokens : ''), num('cacheWriteInputTokens')],
  ['cache_write_1h_input_tokens', (r) => (r.tokenSource === 'usage' ? r.cacheWrite1hInputTokens : ''), num('cacheWrite1hInputTokens')],
  ['provider_request_id', (r) => r.providerRequestId, str('providerRequestId')],
  ['requested_output_tokens', (r) => r.requestedOutputTokens, num('requestedOutputTokens')],
  ['output_tokens_counted', (r) => r.outputTokensCounted ?? '', opt('outputTokensCounted')],
  ['itl_coalesced', (r) => r.coalescedGaps, num('coalescedGaps')],
  ['server_latency_ms', (r) => ms(r.serverLatencyMs), opt('serverLatencyMs')],
  // The request's goodput verdict (metrics/goodput.ts), empty when it is not judged: computed from the row's own timings.
  ['slo_met', (_, __, slo) => (slo === null ? '' : slo === 0 ? 1 : 0), null],
  ['slo_missed', (_, __, slo) => (slo === null ? '' : missedText(slo)), null],
  // The provider's rate-limit headroom as the response stated it; empty when it did not.
  ['ratelimit_remaining_requests', (r) => r.rateLimitRequestsRemaining ?? '', opt('rateLimitRequestsRemaining')],
  ['ratelimit_limit_requests', (r) => r.rateLimitRequestsLimit ?? '', opt('rateLimitRequestsLimit')],
  ['ratelimit_remaining_tokens', (r) => r.rateLimitTokensRemaining ?? '', opt('rateLimitTokensRemaining')],
  ['ratelimit_limit_tokens', (r) => r.rateLimitTokensLimit ?? '', opt('rateLimitTokensLimit')],
];

// Keys of the attempt record whose values are exactly of type T, for the readers below.
type KeysOf<T> = {
  [K in keyof AttemptResult]-?: [AttemptResult[K]] extends [T] ? ([T] extends [AttemptResult[K]] ? K : never) : never;
}[keyof AttemptResult];

// A text cell read as it is.
function str(k: KeysOf<string>): Read {
  return (v, d) => void ((d.a as unknown as Record<string, string>)[k] = v);
}

// A number cell (an empty one reads as 0: a count that never started).
function num(k: KeysOf<number>): Read {
  return (v, d) => void ((d.a as unknown as Record<string, number>)[k] = numberOf(v));
}

// A number cell whose emptiness means "never happened": null.
function opt(k: KeysOf<number | null>): Read {
  return (v, d) => void ((d.a as unknown as Record<string, number | null>)[k] = v === '' ? null : Number(v));
}

function numberOf(v: string): number {
  return v === '' ? 0 : Number(v);
}

function errorKindOf(v: string): ErrorKind | null {
  if (v === '') return null;
  return (ERROR_KINDS as readonly string[]).includes(v) ? (v as ErrorKind) : 'other';
}

/** REQUEST_COLUMNS are requests.csv's column names, in order. */
export const REQUEST_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** requestRow flattens one RequestResult into requests.csv cells (empty cell = did not happen), judged by `goodput`'s bounds. */
export function requestRow(r: RequestResult, goodput: GoodputPlan | null = null): Cell[] {
  const itl: ItlStats = { count: r.itlMs.length, mean: 0, max: 0 };
  let sum = 0;
  for (const g of r.itlMs) {
    sum += g;
    if (g > itl.max) itl.max = g;
  }
  if (itl.count) itl.mean = sum / itl.count;
  const slo = sloVerdict(r, goodput);
  return COLUMNS.map(([, cell]) => cell(r, itl, slo));
}

function ms(v: number | null): Cell {
  return v === null ? '' : Math.round(v * 1000) / 1000;
}

/** RowSink is requests.csv's writer, a run output: it receives results as they complete, and its stop closes the file. */
export interface RowSink extends RunOutput {
  add(r: RequestResult): void;
  stop(): Promise<void>;
}

/** FLUSH_BYTES and FLUSH_MS bound how much of requests.csv waits in memory before it is written. */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 200;

/**
 * requestsCsvWriter streams requests.csv during the run, so memory stays flat however many
 * requests are sent. Rows are encoded here (RFC 4180: a cell is quoted only when it holds a comma,
 * a quote or a line break) and written in batches of up to 64 KB or 200 ms, always whole rows: a
 * run killed with -9 leaves a file that parses, missing at most its last 200 ms. (csv-stringify's
 * per-cell casting and a write per row cost ~14 µs of CPU per row; this, ~5: bench/README.md.)
 */
export function requestsCsvWriter(file: string, goodput: GoodputPlan | null = null): RowSink {
  const out = createWriteStream(file);
  let pending = `${REQUEST_COLUMNS.join(',')}\n`;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending) out.write(pending);
    pending = '';
  };
  return {
    add(r) {
      pending += csvLine(requestRow(r, goodput));
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS).unref();
    },
    async stop() {
      flush();
      out.end();
      await finished(out);
    },
  };
}

/** csvLine encodes one row of cells as a CSV line, newline included. */
export function csvLine(cells: readonly Cell[]): string {
  // Nearly every row has no cell to quote: then the native join writes it (numbers included).
  for (const c of cells)
    if (typeof c === 'string' && NEEDS_QUOTES.test(c))
      return `${cells.map((x) => (typeof x === 'number' ? String(x) : csvCell(x))).join(',')}\n`;
  return `${cells.join(',')}\n`;
}

const NEEDS_QUOTES = /[",\r\n]/;

// A cell holding a delimiter, a quote or a line break is quoted, its quotes doubled.
function csvCell(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** MissingColumnError says a requests.csv lacks a column the rebuild reads: the file was not written by this version. */
export class MissingColumnError extends Error {
  constructor(
    readonly file: string,
    readonly column: string,
  ) {
    super(`${file}: no column "${column}": not a requests.csv this version of bakeoff wrote (it writes ${REQUEST_COLUMNS.length} columns)`);
    this.name = 'MissingColumnError';
  }
}

/**
 * resultFromRow reads a requests.csv row back into a RequestResult through COLUMNS, for rebuilding a
 * summary when summary.json is missing (a run killed before it could write one). Every column maps
 * back but the inter-token gaps, of which a row keeps only their count, mean and maximum: they come
 * back as the maximum once and the mean of the others for the rest — the mean, the maximum and the
 * count exact, the percentiles between them approximate (the rebuilt summary says so). A row
 * without a column the table reads is an error that names the column (and `file`, if given): such a
 * file was not written by this version, and a silent 0 would be a wrong number in the summary.
 */
export function resultFromRow(row: Readonly<Record<string, string | undefined>>, file = 'requests.csv'): RequestResult {
  const d: Decoded = {
    a: newResult({
      id: 0,
      phase: 'measure',
      target: '',
      region: '',
      provider: '',
      model: '',
      workload: '',
      turn: 1,
      step: '',
      scheduledAtMs: 0,
      queuedMs: 0,
      inputTokens: 0,
      requestedOutputTokens: 0,
    }),
    o: { attempts: 0, servedBy: '', timeLostMs: 0, failoverMs: null },
    itlMeanMs: null,
    itlMaxMs: 0,
    ttfcMs: null,
  };
  for (const [name, , read] of COLUMNS) {
    if (read === null) continue;
    const cell = row[name];
    if (cell === undefined) throw new MissingColumnError(file, name);
    read(cell, d);
  }
  const r = d.a;
  r.firstContentAtMs = d.ttfcMs === null ? null : r.scheduledAtMs + d.ttfcMs;
  r.itlMs = gapsOf(
    d.itlMeanMs,
    d.itlMaxMs,
    d.itlMeanMs === null ? 0 : Math.max(0, r.contentDeltas + r.reasoningDeltas - 1 - r.coalescedGaps),
  );
  if (kindOfAttemptColumn(r.attempt) === 'attempt') return r;
  return routeOutcome(r, {
    id: r.id,
    target: r.target,
    region: r.region,
    provider: r.provider,
    route: r.route,
    scheduledAtMs: r.scheduledAtMs,
    sentAtMs: r.sentAtMs,
    queuedMs: r.queuedMs,
    ...d.o,
  });
}

// Gaps with the row's count, mean and maximum: the maximum once, the mean of the others for the rest.
function gapsOf(meanMs: number | null, maxMs: number, count: number): number[] {
  const gaps: number[] = [];
  if (meanMs === null || count === 0) return gaps;
  gaps.push(maxMs);
  const rest = count > 1 ? Math.max(0, (meanMs * count - maxMs) / (count - 1)) : 0;
  for (let i = 1; i < count; i++) gaps.push(rest);
  return gaps;
}
