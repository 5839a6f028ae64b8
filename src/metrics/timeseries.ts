import { decodeHistogram, encodeHistogram, newHistogram, recordMs, type Histogram } from './histogram.js';
import { TIMESERIES_METRICS, type TimeseriesMetric } from '../scenario/metric-names.js';
import { e2eMs, ttftMs, type RequestResult } from './request-result.js';
import { usToMs } from './clock.js';
import { servedByOf } from './counting.js';
import type { ErrorKind } from '../scenario/error-kinds.js';

/** TimeseriesPoint is one second of one group: counts, and latency percentiles with their histograms. */
export interface TimeseriesPoint {
  /** Second of the run clock (0 = the run's first second), by request *end* time. */
  second: number;
  requests: number;
  ok: number;
  failed: number;
  /** The failures of this second by kind (kinds that occurred only). */
  errorsByKind?: Partial<Record<ErrorKind, number>>;
  /** Arrivals dropped in this second (open loop at maxInFlight), by scheduled time. */
  dropped: number;
  outputTokens: number;
  /** Route groups: requests served by each hop this second. */
  servedBy?: Record<string, number>;
  /** p50 / p99 in ms of successful requests ending this second (null when none). */
  ttft: { p50: number; p99: number } | null;
  e2e: { p50: number; p99: number } | null;
  /** The interval histograms (HdrHistogram V2 base64, µs), mergeable across shards. */
  histograms: Record<TimeseriesMetric, string>;
}

interface Bucket {
  second: number;
  requests: number;
  ok: number;
  failed: number;
  errorsByKind: Partial<Record<ErrorKind, number>> | null;
  dropped: number;
  outputTokens: number;
  servedBy: Record<string, number> | null;
  hist: Record<TimeseriesMetric, Histogram> | null;
}

// A bucket stays open this many seconds after a later one appears: results reach the recorder in
// end-time order only approximately (a slow callback can deliver a result a little late).
const OPEN_SECONDS = 2;

/**
 * Timeseries keeps per-second counts and small interval histograms for one group. Memory is
 * bounded by the run length in seconds (a few hundred bytes a second once a bucket is closed and
 * encoded), never by the number of requests; live histograms are pooled and reused.
 */
export class Timeseries {
  private readonly open = new Map<number, Bucket>();
  private readonly closed: TimeseriesPoint[] = [];
  private readonly pool: Record<TimeseriesMetric, Histogram>[] = [];
  private latest = -1;

  /** add folds in a result its group counts (counting.ts isCounted), by its end second. */
  add(r: RequestResult): void {
    const b = this.bucket(Math.floor(r.endAtMs / 1000));
    b.requests++;
    if (r.errorKind !== null) {
      b.failed++;
      (b.errorsByKind ??= {})[r.errorKind] = (b.errorsByKind[r.errorKind] ?? 0) + 1;
      return;
    }
    b.ok++;
    b.outputTokens += r.outputTokens;
    const hop = servedByOf(r);
    if (hop) (b.servedBy ??= {})[hop] = (b.servedBy[hop] ?? 0) + 1;
    const ttft = ttftMs(r);
    b.hist ??= this.pool.pop() ?? fresh();
    if (ttft !== null) recordMs(b.hist.ttft, ttft);
    recordMs(b.hist.e2e, e2eMs(r));
  }

  /** addDropped counts an arrival that was never sent, by its scheduled second. */
  addDropped(scheduledAtMs: number): void {
    this.bucket(Math.floor(scheduledAtMs / 1000)).dropped++;
  }

  /** points closes every bucket and returns the series in time order (call once, at the end). */
  points(): TimeseriesPoint[] {
    for (const b of [...this.open.values()]) this.close(b);
    // A second can be closed twice when a result (or a dropped arrival, dated by its schedule)
    // arrives after its bucket was closed: merge such points, adding their histograms.
    const bySecond = new Map<number, TimeseriesPoint>();
    for (const p of this.closed) {
      const prev = bySecond.get(p.second);
      bySecond.set(p.second, prev ? mergePoints(prev, p) : p);
    }
    return [...bySecond.values()].sort((a, b) => a.second - b.second);
  }

  private bucket(second: number): Bucket {
    let b = this.open.get(second);
    if (!b) {
      b = { second, requests: 0, ok: 0, failed: 0, errorsByKind: null, dropped: 0, outputTokens: 0, servedBy: null, hist: null };
      this.open.set(second, b);
    }
    if (second > this.latest) {
      this.latest = second;
      for (const old of [...this.open.values()]) if (old.second < second - OPEN_SECONDS) this.close(old);
    }
    return b;
  }

  private close(b: Bucket): void {
    this.open.delete(b.second);
    const h = b.hist;
    this.closed.push({
      second: b.second,
      requests: b.requests,
      ok: b.ok,
      failed: b.failed,
      ...(b.errorsByKind ? { errorsByKind: b.errorsByKind } : {}),
      dropped: b.dropped,
      outputTokens: b.outputTokens,
      ...(b.servedBy ? { servedBy: b.servedBy } : {}),
      ttft: h ? pct(h.ttft) : null,
      e2e: h ? pct(h.e2e) : null,
      histograms: h ? { ttft: encodeHistogram(h.ttft), e2e: encodeHistogram(h.e2e) } : { ttft: '', e2e: '' },
    });
    if (h) {
      h.ttft.reset();
      h.e2e.reset();
      this.pool.push(h);
    }
  }
}

// p50 / p99 of an interval histogram in ms, or null when it is empty.
function pct(x: Histogram): { p50: number; p99: number } | null {
  return x.totalCount ? { p50: usToMs(x.getValueAtPercentile(50)), p99: usToMs(x.getValueAtPercentile(99)) } : null;
}

/** mergePoints adds two points of the same second (their counts, and their histograms). */
export function mergePoints(a: TimeseriesPoint, b: TimeseriesPoint): TimeseriesPoint {
  const hist = (m: TimeseriesMetric) => {
    const h = newHistogram();
    for (const enc of [a.histograms[m], b.histograms[m]]) if (enc) h.add(decodeHistogram(enc));
    return h;
  };
  const ttft = hist('ttft');
  const e2e = hist('e2e');
  return {
    second: a.second,
    requests: a.requests + b.requests,
    ok: a.ok + b.ok,
    failed: a.failed + b.failed,
    ...(a.errorsByKind || b.errorsByKind ? { errorsByKind: mergeCounts(a.errorsByKind, b.errorsByKind) } : {}),
    dropped: a.dropped + b.dropped,
    outputTokens: a.outputTokens + b.outputTokens,
    ...(a.servedBy || b.servedBy ? { servedBy: mergeCounts(a.servedBy, b.servedBy) } : {}),
    ttft: pct(ttft),
    e2e: pct(e2e),
    histograms: { ttft: ttft.totalCount ? encodeHistogram(ttft) : '', e2e: e2e.totalCount ? encodeHistogram(e2e) : '' },
  };
}

function mergeCounts(a?: Record<string, number>, b?: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, n] of Object.entries(b ?? {})) out[k] = (out[k] ?? 0) + n;
  return out;
}

function fresh(): Record<TimeseriesMetric, Histogram> {
  return Object.fromEntries(TIMESERIES_METRICS.map((m) => [m, newHistogram()])) as Record<TimeseriesMetric, Histogram>;
}
