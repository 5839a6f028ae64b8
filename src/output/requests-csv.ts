import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { ERROR_KINDS, type ErrorKind } from '../scenario/error-kinds.js';
import {
  dispatchLagMs,
  e2eMs,
  headersMs,
  serviceE2eMs,
  serviceTtftMs,
  tpotMs,
  ttfcMs,
  ttftMs,
  type RequestResult,
} from '../metrics/request-result.js';

type Cell = string | number;

/** ItlStats summarise a request's inter-token gaps for its row (the gaps themselves go to histograms). */
interface ItlStats {
  count: number;
  mean: number;
  max: number;
}

/**
 * COLUMNS is requests.csv, one entry per column: its name and how a RequestResult fills it, so a
 * column and its value can never drift apart. Times are ms on the run clock; an empty cell means
 * the moment never happened (no headers, no token).
 */
const COLUMNS: readonly (readonly [name: string, cell: (r: RequestResult, itl: ItlStats) => Cell])[] = [
  ['id', (r) => r.id],
  ['phase', (r) => r.phase],
  ['target', (r) => r.target],
  ['region', (r) => r.region],
  ['provider', (r) => r.provider],
  ['model', (r) => r.model],
  ['workload', (r) => r.workload],
  ['turn', (r) => r.turn],
  ['step', (r) => r.step],
  ['route', (r) => r.route],
  ['attempt', (r) => r.attempt],
  ['parent_id', (r) => r.parentId ?? ''],
  ['scheduled_ms', (r) => ms(r.scheduledAtMs)],
  ['sent_ms', (r) => ms(r.sentAtMs)],
  ['headers_ms', (r) => ms(r.headersAtMs)],
  ['first_token_ms', (r) => ms(r.firstTokenAtMs)],
  ['end_ms', (r) => ms(r.endAtMs)],
  ['ttft_ms', (r) => ms(ttftMs(r))],
  ['e2e_ms', (r) => ms(e2eMs(r))],
  ['tpot_ms', (r) => ms(tpotMs(r))],
  ['time_to_headers_ms', (r) => ms(headersMs(r))],
  ['ttft_service_ms', (r) => ms(serviceTtftMs(r))],
  ['e2e_service_ms', (r) => ms(serviceE2eMs(r))],
  ['queue_wait_ms', (r) => ms(r.queuedMs)],
  ['dispatch_lag_ms', (r) => ms(dispatchLagMs(r))],
  ['connection', (r) => r.connection],
  ['dns_ms', (r) => ms(r.dnsMs)],
  ['tcp_ms', (r) => ms(r.tcpMs)],
  ['tls_ms', (r) => ms(r.tlsMs)],
  ['itl_mean_ms', (_, itl) => (itl.count ? ms(itl.mean) : '')],
  ['itl_max_ms', (_, itl) => (itl.count ? ms(itl.max) : '')],
  ['content_deltas', (r) => r.contentDeltas],
  ['input_tokens', (r) => r.inputTokens],
  ['output_tokens', (r) => r.outputTokens],
  ['cached_input_tokens', (r) => r.cachedInputTokens],
  ['token_source', (r) => r.tokenSource],
  ['status', (r) => r.status],
  ['ok', (r) => (r.errorKind === null ? 1 : 0)],
  ['error_kind', (r) => r.errorKind ?? ''],
  ['error_message', (r) => r.errorMessage],
  ['finish_reason', (r) => r.finishReason],
  ['attempts', (r) => r.attempts],
  ['served_by', (r) => r.servedBy],
  ['time_lost_ms', (r) => ms(r.timeLostMs)],
  ['failover_ms', (r) => ms(r.failoverMs)],
  ['retry_after_ms', (r) => ms(r.retryAfterMs)],
  ['ttfc_ms', (r) => ms(ttfcMs(r))],
  ['reasoning_deltas', (r) => r.reasoningDeltas],
  // Cache writes billed apart (Anthropic); empty when the server reported no usage (our own count knows nothing of caches).
  ['cache_write_input_tokens', (r) => (r.tokenSource === 'usage' ? r.cacheWriteInputTokens : '')],
  ['cache_write_1h_input_tokens', (r) => (r.tokenSource === 'usage' ? r.cacheWrite1hInputTokens : '')],
  ['provider_request_id', (r) => r.providerRequestId],
  ['requested_output_tokens', (r) => r.requestedOutputTokens],
  ['output_tokens_counted', (r) => r.outputTokensCounted ?? ''],
  ['itl_coalesced', (r) => r.coalescedGaps],
];

/** REQUEST_COLUMNS are requests.csv's column names, in order. */
export const REQUEST_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** requestRow flattens one RequestResult into requests.csv cells (empty cell = did not happen). */
export function requestRow(r: RequestResult): Cell[] {
  const itl: ItlStats = { count: r.itlMs.length, mean: 0, max: 0 };
  let sum = 0;
  for (const g of r.itlMs) {
    sum += g;
    if (g > itl.max) itl.max = g;
  }
  if (itl.count) itl.mean = sum / itl.count;
  return COLUMNS.map(([, cell]) => cell(r, itl));
}

function ms(v: number | null): Cell {
  return v === null ? '' : Math.round(v * 1000) / 1000;
}

/** RowSink receives results as they complete. */
export interface RowSink {
  write(r: RequestResult): void;
  close(): Promise<void>;
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
export function requestsCsvWriter(file: string): RowSink {
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
    write(r) {
      pending += csvLine(requestRow(r));
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS).unref();
    },
    async close() {
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

/**
 * resultFromRow reads a requests.csv row back into a RequestResult, for rebuilding a summary when
 * summary.json is missing (a run killed before it could write one). Every column maps back but the
 * inter-token gaps, of which a row keeps only their count, mean and maximum: they come back as the
 * maximum once and the mean of the others for the rest — the mean, the maximum and the count exact,
 * the percentiles between them approximate (the rebuilt summary says so). Rows written before a
 * column existed read it as empty.
 */
export function resultFromRow(row: Readonly<Record<string, string | undefined>>): RequestResult {
  const str = (k: string) => row[k] ?? '';
  const num = (k: string) => {
    const v = str(k);
    return v === '' ? 0 : Number(v);
  };
  const opt = (k: string) => (str(k) === '' ? null : Number(str(k)));
  const scheduledAtMs = num('scheduled_ms');
  const deltas = num('content_deltas') + num('reasoning_deltas');
  const coalescedGaps = num('itl_coalesced');
  const itlCount = str('itl_mean_ms') === '' ? 0 : Math.max(0, deltas - 1 - coalescedGaps);
  const itlMs: number[] = [];
  if (itlCount > 0) {
    const mean = num('itl_mean_ms');
    const max = num('itl_max_ms');
    itlMs.push(max);
    const rest = itlCount > 1 ? Math.max(0, (mean * itlCount - max) / (itlCount - 1)) : 0;
    for (let i = 1; i < itlCount; i++) itlMs.push(rest);
  }
  const kind = str('error_kind');
  const ttfc = opt('ttfc_ms');
  const parent = opt('parent_id');
  return {
    id: num('id'),
    phase: str('phase') === 'warmup' ? 'warmup' : 'measure',
    target: str('target'),
    region: str('region'),
    provider: str('provider'),
    model: str('model'),
    workload: str('workload'),
    turn: num('turn') || 1,
    step: str('step'),
    route: str('route'),
    attempt: num('attempt'),
    attempts: num('attempts'),
    servedBy: str('served_by'),
    timeLostMs: num('time_lost_ms'),
    failoverMs: opt('failover_ms'),
    providerRequestId: str('provider_request_id'),
    retryAfterMs: opt('retry_after_ms'),
    parentId: parent,
    scheduledAtMs,
    sentAtMs: num('sent_ms'),
    queuedMs: num('queue_wait_ms'),
    connection: str('connection') as RequestResult['connection'],
    dnsMs: opt('dns_ms'),
    tcpMs: opt('tcp_ms'),
    tlsMs: opt('tls_ms'),
    headersAtMs: opt('headers_ms'),
    firstTokenAtMs: opt('first_token_ms'),
    firstContentAtMs: ttfc === null ? null : scheduledAtMs + ttfc,
    endAtMs: num('end_ms'),
    itlMs,
    coalescedGaps,
    contentDeltas: num('content_deltas'),
    reasoningDeltas: num('reasoning_deltas'),
    inputTokens: num('input_tokens'),
    outputTokens: num('output_tokens'),
    cachedInputTokens: num('cached_input_tokens'),
    cacheWriteInputTokens: num('cache_write_input_tokens'),
    cacheWrite1hInputTokens: num('cache_write_1h_input_tokens'),
    tokenSource: str('token_source') === 'usage' ? 'usage' : 'counted',
    outputTokensCounted: opt('output_tokens_counted'),
    requestedOutputTokens: num('requested_output_tokens'),
    status: num('status'),
    errorKind: kind === '' ? null : (ERROR_KINDS as readonly string[]).includes(kind) ? (kind as ErrorKind) : 'other',
    errorMessage: str('error_message'),
    finishReason: str('finish_reason'),
  };
}
