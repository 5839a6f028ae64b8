import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { dispatchLagMs, e2eMs, headersMs, serviceE2eMs, serviceTtftMs, tpotMs, ttfcMs, ttftMs, type RequestResult } from '../metrics/request-result.js';

/** REQUEST_COLUMNS are requests.csv's columns, in order. Times are ms on the run clock. */
export const REQUEST_COLUMNS = [
  'id',
  'phase',
  'target',
  'region',
  'provider',
  'model',
  'workload',
  'turn',
  'step',
  'route',
  'attempt',
  'parent_id',
  'scheduled_ms',
  'sent_ms',
  'headers_ms',
  'first_token_ms',
  'end_ms',
  'ttft_ms',
  'e2e_ms',
  'tpot_ms',
  'time_to_headers_ms',
  'ttft_service_ms',
  'e2e_service_ms',
  'queue_wait_ms',
  'dispatch_lag_ms',
  'connection',
  'dns_ms',
  'tcp_ms',
  'tls_ms',
  'itl_mean_ms',
  'itl_max_ms',
  'content_deltas',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'token_source',
  'status',
  'ok',
  'error_kind',
  'error_message',
  'finish_reason',
  'attempts',
  'served_by',
  'time_lost_ms',
  'failover_ms',
  'retry_after_ms',
  'ttfc_ms',
  'reasoning_deltas',
] as const;

/** requestRow flattens one RequestResult into requests.csv cells (empty cell = did not happen). */
export function requestRow(r: RequestResult): (string | number)[] {
  const itlCount = r.itlMs.length;
  let itlSum = 0;
  let itlMax = 0;
  for (const g of r.itlMs) {
    itlSum += g;
    if (g > itlMax) itlMax = g;
  }
  return [
    r.id,
    r.phase,
    r.target,
    r.region,
    r.provider,
    r.model,
    r.workload,
    r.turn,
    r.step,
    r.route,
    r.attempt,
    r.parentId ?? '',
    ms(r.scheduledAtMs),
    ms(r.sentAtMs),
    ms(r.headersAtMs),
    ms(r.firstTokenAtMs),
    ms(r.endAtMs),
    ms(ttftMs(r)),
    ms(e2eMs(r)),
    ms(tpotMs(r)),
    ms(headersMs(r)),
    ms(serviceTtftMs(r)),
    ms(serviceE2eMs(r)),
    ms(r.queuedMs),
    ms(dispatchLagMs(r)),
    r.connection,
    ms(r.dnsMs),
    ms(r.tcpMs),
    ms(r.tlsMs),
    itlCount ? ms(itlSum / itlCount) : '',
    itlCount ? ms(itlMax) : '',
    r.contentDeltas,
    r.inputTokens,
    r.outputTokens,
    r.cachedInputTokens,
    r.tokenSource,
    r.status,
    r.errorKind === null ? 1 : 0,
    r.errorKind ?? '',
    r.errorMessage,
    r.finishReason,
    r.attempts,
    r.servedBy,
    ms(r.timeLostMs),
    ms(r.failoverMs),
    ms(r.retryAfterMs),
    ms(ttfcMs(r)),
    r.reasoningDeltas,
  ];
}

function ms(v: number | null): string | number {
  return v === null ? '' : Math.round(v * 1000) / 1000;
}

/** RowSink receives results as they complete. */
export interface RowSink {
  write(r: RequestResult): void;
  close(): Promise<void>;
}

/**
 * requestsCsvWriter streams requests.csv row by row during the run, so memory stays flat however
 * many requests are sent. It never blocks the sender: csv-stringify buffers if the disk lags,
 * which at a few thousand rows a second it does not.
 */
export function requestsCsvWriter(file: string): RowSink {
  const out = createWriteStream(file);
  const csv = stringify({ header: true, columns: [...REQUEST_COLUMNS] });
  csv.pipe(out);
  return {
    write(r) {
      csv.write(requestRow(r));
    },
    async close() {
      csv.end();
      await finished(out);
    },
  };
}
