/**
 * Cells of the console report: aligned tables, and how a number is written in one. "No data"
 * (null) is always "—", never a 0 that would read as instant or free.
 */

/** table lays out rows in aligned columns; the first `leftCols` columns are left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][], leftCols: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < leftCols ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

// A latency for a table cell: "—" when there is no data (never 0, which would read as instant).
export function msCell(v: number | null): string {
  if (v === null) return '—';
  return v >= 100 ? `${v.toFixed(0)}ms` : v >= 10 ? `${v.toFixed(1)}ms` : `${v.toFixed(2)}ms`;
}

/**
 * beyondCell is the cell of an all-requests percentile that falls among the failures: slower than the slowest success,
 * with the share of requests that failed (a failure has no latency to print).
 */
export function beyondCell(errorRate: number | null): string {
  return `> max (${pct(errorRate)} failed)`;
}

export function fixed(v: number | null, digits: number): string {
  return v === null ? '—' : v.toFixed(digits);
}

export function pct(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 2 : 1)}%`;
}

// Dollars to `digits` decimals, or "—" when there is no amount (nothing bought, nothing to divide by).
export function usd(v: number | null, digits: number): string {
  return v === null ? '—' : `$${v.toFixed(digits)}`;
}
