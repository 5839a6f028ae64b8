/**
 * Cells of the console report: aligned tables, and how a number is written in one. "No data"
 * (null) is always "—", never a 0 that would read as instant or free.
 */

/**
 * TableFit is how a console table fits a terminal's width: at a narrow width its long cells (names, messages) are cut
 * short with "…", then its least needed columns drop, highest rank first, until the rest fit; a column without a rank
 * (a name, a verdict) never drops. No width (off a terminal, or --wide): every column at its full width.
 */
export interface TableFit {
  /** The width to fit, in characters; absent: no limit. */
  width?: number | undefined;
  /** Per column, its drop rank (the highest drops first); undefined: never dropped. */
  drop?: readonly (number | undefined)[];
  /** Per column, whether its cells may be cut short with "…". */
  fold?: readonly boolean[];
}

// A folded column keeps this many characters before the columns start to drop, and at least the last many after.
const FOLD_SOFT = 20;
const FOLD_HARD = 8;
const GAP = 2;

/** table lays out rows in aligned columns; the first `leftCols` columns are left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][], leftCols: number, fit: TableFit = {}): string {
  const natural = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const { keep, widths } = fitColumns(natural, fit);
  const fmt = (cells: string[]) =>
    keep
      .map((i, k) => {
        const c = cut(cells[i] ?? '', widths[k]!);
        return i < leftCols ? c.padEnd(widths[k]!) : c.padStart(widths[k]!);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const lines = [fmt(header), widths.map((w) => '─'.repeat(w)).join(' '.repeat(GAP)), ...rows.map(fmt)];
  const hidden = header.filter((_, i) => !keep.includes(i));
  if (hidden.length)
    lines.push(
      ...wrap(
        `(${hidden.length} column${hidden.length === 1 ? '' : 's'} hidden to fit ${fit.width} columns: ${hidden.join(', ')}; ` +
          '--wide shows all)',
        fit.width,
      ),
    );
  return lines.join('\n');
}

/**
 * fitColumns chooses the columns a table keeps and their widths at `fit.width`: the columns that may drop go, highest
 * rank first, while the table (its long cells cut to FOLD_SOFT) is still too wide; then the folded columns share what
 * is left, the widest narrowed first, none below FOLD_HARD. A table that cannot fit keeps what may not drop.
 */
export function fitColumns(natural: readonly number[], fit: TableFit): { keep: number[]; widths: number[] } {
  const all = natural.map((_, i) => i);
  const width = fit.width;
  const total = (cols: readonly number[], w: (i: number) => number) => cols.reduce((n, i) => n + w(i), 0) + GAP * (cols.length - 1);
  if (width === undefined || total(all, (i) => natural[i]!) <= width) return { keep: all, widths: [...natural] };
  const foldable = (i: number) => fit.fold?.[i] === true;
  const soft = (i: number) => (foldable(i) ? Math.min(natural[i]!, FOLD_SOFT) : natural[i]!);
  const order = all.filter((i) => fit.drop?.[i] !== undefined).sort((a, b) => fit.drop![b]! - fit.drop![a]! || b - a);
  let keep = all;
  for (const i of order) {
    if (total(keep, soft) <= width) break;
    keep = keep.filter((k) => k !== i);
  }
  const widths = keep.map((i) => natural[i]!);
  for (let over = total(keep, (i) => natural[i]!) - width; over > 0; over--) {
    // Narrow the widest column that may still fold, one character at a time.
    let widest = -1;
    keep.forEach((i, k) => {
      if (foldable(i) && widths[k]! > FOLD_HARD && (widest === -1 || widths[k]! > widths[widest]!)) widest = k;
    });
    if (widest === -1) break;
    widths[widest]!--;
  }
  return { keep, widths };
}

// A cell cut to `width` characters, its last one "…" when anything was cut.
function cut(cell: string, width: number): string {
  return cell.length <= width ? cell : `${cell.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * wrap breaks a line of text at spaces so that none is wider than `width` (no width: the line as it is); the lines
 * after the first are indented two more than it. A word longer than the width is cut where the width ends.
 */
export function wrap(line: string, width: number | undefined): string[] {
  if (width === undefined || line.length <= width) return [line];
  const own = line.length - line.trimStart().length;
  // An indent that leaves no room for words is dropped: every line must make progress.
  const indent = own + 2 < width / 2 ? ' '.repeat(own + 2) : '';
  const out: string[] = [];
  let rest = line;
  let lead = own;
  while (rest.length > width) {
    const at = rest.lastIndexOf(' ', width);
    const breakAt = at > lead ? at : width;
    out.push(rest.slice(0, breakAt).trimEnd());
    rest = indent + rest.slice(breakAt).trimStart();
    lead = indent.length;
  }
  out.push(rest);
  return out;
}

/** fitText wraps every line of a console report wider than `width` (tables fitted to it are left as they are). */
export function fitText(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .flatMap((l) => wrap(l, width))
    .join('\n');
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
