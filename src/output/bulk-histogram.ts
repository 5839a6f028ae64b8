/**
 * BulkHistogram is a Prometheus histogram for values that come many at a time — the inter-token
 * gaps of a finished stream, hundreds per request — written out in the text exposition format
 * beside prom-client's registry.
 *
 * Why not a prom-client Histogram: its observe() validates and hashes the labels on every call
 * (0.8–1.3 µs each, bench/live-metrics.mjs on 2 cores, Node 20), and it has no call that adds many
 * values at once. A 256-token stream would spend ≈ 0.2–0.3 ms in one synchronous burst on the
 * event loop that reads every other stream's tokens, delaying them and so the very ITL being
 * measured. Here a request resolves its label set once (a BulkSeries, kept by the caller) and
 * each gap costs a scan of a small bucket array: ≈ 20 ns.
 */
export class BulkHistogram {
  private readonly series = new Map<string, BulkSeries>();
  private readonly boundsMs: Float64Array;

  /** `bucketsSeconds` are the upper bounds, ascending, without +Inf (added in the output). */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bucketsSeconds: readonly number[],
  ) {
    for (let i = 1; i < bucketsSeconds.length; i++)
      if (!(bucketsSeconds[i]! > bucketsSeconds[i - 1]!)) throw new Error(`${name}: buckets must ascend`);
    this.boundsMs = Float64Array.from(bucketsSeconds, (s) => s * 1000);
  }

  /** seriesOf is the series of one label set (values in labelNames order), made on first use; keep it to observe without a lookup. */
  seriesOf(labelValues: readonly string[]): BulkSeries {
    const key = labelValues.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      const labels = this.labelNames.map((n, i) => `${n}="${escapeLabelValue(labelValues[i] ?? '')}"`).join(',');
      s = new BulkSeries(this.boundsMs, labels);
      this.series.set(key, s);
    }
    return s;
  }

  /**
   * exposition is the histogram in the Prometheus text format: cumulative `_bucket` lines ending
   * in le="+Inf", then `_sum` (seconds) and `_count`. A series with no observation yet is left
   * out: no data is absent, never a histogram of zeros.
   */
  exposition(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      if (s.count === 0) continue;
      const sep = s.labels ? ',' : '';
      let cumulative = 0;
      for (let i = 0; i < this.bucketsSeconds.length; i++) {
        cumulative += s.counts[i]!;
        lines.push(`${this.name}_bucket{${s.labels}${sep}le="${this.bucketsSeconds[i]}"} ${cumulative}`);
      }
      lines.push(`${this.name}_bucket{${s.labels}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${s.labels ? `{${s.labels}}` : ''} ${s.sumMs / 1000}`);
      lines.push(`${this.name}_count${s.labels ? `{${s.labels}}` : ''} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** BulkSeries is one label set's buckets: counts per bucket (not cumulative; the last is +Inf), sum and count. */
export class BulkSeries {
  readonly counts: Float64Array;
  sumMs = 0;
  count = 0;

  constructor(
    private readonly boundsMs: Float64Array,
    /** The label pairs, formatted and escaped once. */
    readonly labels: string,
  ) {
    this.counts = new Float64Array(boundsMs.length + 1);
  }

  /** observeMs adds one value in milliseconds (non-finite values are ignored, as nothing was measured). */
  observeMs(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const b = this.boundsMs;
    let i = 0;
    while (i < b.length && ms > b[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
    this.count++;
  }

  /** observeAllMs adds every value of a list in milliseconds: a stream's inter-token gaps. */
  observeAllMs(values: readonly number[]): void {
    for (let k = 0; k < values.length; k++) this.observeMs(values[k]!);
  }
}

// The text format escapes a label value's backslash, double quote and line feed.
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

// HELP text escapes backslash and line feed.
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
