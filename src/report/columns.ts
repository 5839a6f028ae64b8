import { fixed, msCell, pct, table, usd } from './text-table.js';

/**
 * One definition per report table: an ordered list of columns, each with its header and how a
 * row fills its cell (a value and how to write it), which the console, markdown and HTML
 * renderers lay out in their own syntax — as requests.csv's COLUMNS table writes its rows. Where
 * a format legitimately differs (a shorter header, a label worded its way, a column only one
 * format shows, HTML's bars and badges), the column says so as data; nothing is spelled twice.
 */

/** Format is a report format that renders the column tables. */
export type Format = 'console' | 'markdown' | 'html';

/**
 * Written says how a cell's number is written: a latency (`ms`), a share (`pct`), dollars to n
 * decimals (`usd`), a figure to n decimals (`fixed`), or as it is (`count`, `text`). A string
 * value is always written as it is; null ("no data") is always "—", never 0.
 */
export type Written = 'text' | 'count' | 'ms' | 'pct' | { fixed: number } | { usd: number };

/** CellValue is what a column reads from a row: a number written its column's way, words, or null for no data. */
export type CellValue = string | number | null;

/** HtmlCell is what an HTML renderer may put in a cell beside plain text: markup it built, or text with a state class. */
export type HtmlCell = { html: string; className?: string } | { text: string; className?: string };

/** Variant is how one format differs from a column's definition: its own header, or its own value. */
export interface Variant<R, C> {
  header?: string;
  value?: (row: R, ctx: C) => CellValue;
}

/** HtmlVariant adds HTML's own dress: a class on the header, a decorated cell (built from the written text). */
export interface HtmlVariant<R, C> extends Variant<R, C> {
  headerClass?: string;
  cell?: (row: R, ctx: C, text: string) => string | HtmlCell;
}

/** Column is one column of a report table. */
export interface Column<R, C> {
  /** The header, or a header worded from the table's context (e.g. the SLO it judges). */
  header: string | ((ctx: C) => string);
  /** A leading column of names (left-aligned); the others are figures (right-aligned). */
  text?: boolean;
  value: (row: R, ctx: C) => CellValue;
  /** How the value's number is written ('text' when absent: the value is words). */
  written?: Written;
  /** The formats that show this column (every one when absent). */
  in?: readonly Format[];
  /** Shown only when the table's context calls for it (the open loop's service times). */
  when?: (ctx: C) => boolean;
  /** The console's drop rank at a narrow width: the highest drops first; absent, never dropped (a name, a verdict). */
  drop?: number;
  /** The console may cut this column's long cells short with "…" (a name, a message) to fit the width. */
  fold?: boolean;
  console?: Variant<R, C>;
  markdown?: Variant<R, C>;
  html?: HtmlVariant<R, C>;
}

/** Columns is a table's definition. */
export type Columns<R, C> = readonly Column<R, C>[];

/** TextTable is a table as header and rows of text, for every format to lay out its own way. */
export interface TextTable {
  header: string[];
  rows: string[][];
  /** Leading text columns (the rest are numbers). */
  left: number;
}

/** writeValue writes a cell's value its column's way; null is "—". */
export function writeValue(v: CellValue, written: Written): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  if (written === 'ms') return msCell(v);
  if (written === 'pct') return pct(v);
  if (written === 'text' || written === 'count') return String(v);
  return 'usd' in written ? usd(v, written.usd) : fixed(v, written.fixed);
}

/** shownIn is the columns a format shows, in order, given the table's context. */
export function shownIn<R, C>(columns: Columns<R, C>, format: Format, ctx: C): Column<R, C>[] {
  return columns.filter((c) => (!c.in || c.in.includes(format)) && (!c.when || c.when(ctx)));
}

/** headerOf is a column's header in a format. */
export function headerOf<R, C>(c: Column<R, C>, format: Format, ctx: C): string {
  const own = c[format]?.header;
  if (own !== undefined) return own;
  return typeof c.header === 'string' ? c.header : c.header(ctx);
}

/** cellOf is a row's cell in a column, written as a format writes it. */
export function cellOf<R, C>(c: Column<R, C>, format: Format, row: R, ctx: C): string {
  return writeValue((c[format]?.value ?? c.value)(row, ctx), c.written ?? 'text');
}

/** leadingText counts the leading name columns: left-aligned in every format. */
export function leadingText<R, C>(shown: readonly Column<R, C>[]): number {
  const i = shown.findIndex((c) => !c.text);
  return i === -1 ? shown.length : i;
}

/** textTable lays rows out as text for the console or markdown. */
export function textTable<R, C>(columns: Columns<R, C>, format: 'console' | 'markdown', rows: readonly R[], ctx: C): TextTable {
  const shown = shownIn(columns, format, ctx);
  return {
    header: shown.map((c) => headerOf(c, format, ctx)),
    rows: rows.map((r) => shown.map((c) => cellOf(c, format, r, ctx))),
    left: leadingText(shown),
  };
}

/** consoleText lays rows out as the console's aligned table, fitted to `width` (none: every column in full). */
export function consoleText<R, C>(columns: Columns<R, C>, rows: readonly R[], ctx: C, width?: number): string {
  const t = textTable(columns, 'console', rows, ctx);
  const shown = shownIn(columns, 'console', ctx);
  return table(t.header, t.rows, t.left, { width, drop: shown.map((c) => c.drop), fold: shown.map((c) => c.fold === true) });
}
