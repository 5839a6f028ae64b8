import { cellOf, headerOf, leadingText, shownIn, type Columns } from '../columns.js';
import { escapeHtml } from './escape.js';

/**
 * Cell is a table cell: text (escaped here) or markup the report built itself (`html`), with an
 * optional class for state (a failed check, a value over its bound). Keeping text and markup
 * apart is what makes every string from the summary escaped exactly once.
 */
export type Cell = string | number | { html: string; className?: string } | { text: string; className?: string };

/**
 * htmlTable lays out rows; the first `leftCols` columns are text (left-aligned), the rest numbers (right-aligned), as
 * the console's tables.
 */
export function htmlTable(header: Cell[], rows: Cell[][], leftCols: number, className = ''): string {
  const cell = (tag: 'td' | 'th', c: Cell, i: number) => {
    const classes = [i >= leftCols ? 'num' : '', typeof c === 'object' && c.className ? c.className : ''].filter(Boolean).join(' ');
    const body = typeof c === 'object' ? ('html' in c ? c.html : escapeHtml(c.text)) : escapeHtml(String(c));
    return `<${tag}${classes ? ` class="${classes}"` : ''}>${body}</${tag}>`;
  };
  const head = `<thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>`;
  const body = `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody>`;
  return `<div class="table-wrap"><table${className ? ` class="${className}"` : ''}>${head}\n${body}</table></div>`;
}

/** columnsTable lays rows out by a table's column definition, in HTML's wording and with its cells' dress. */
export function columnsTable<R, C>(columns: Columns<R, C>, rows: readonly R[], ctx: C, className = ''): string {
  const shown = shownIn(columns, 'html', ctx);
  const header: Cell[] = shown.map((c) => {
    const text = headerOf(c, 'html', ctx);
    return c.html?.headerClass ? { text, className: c.html.headerClass } : text;
  });
  const cells = rows.map((r) =>
    shown.map((c): Cell => {
      const text = cellOf(c, 'html', r, ctx);
      return c.html?.cell ? c.html.cell(r, ctx, text) : text;
    }),
  );
  return htmlTable(header, cells, leadingText(shown), className);
}

/** markup wraps markup the report built itself as a cell. */
export function markup(html: string, className?: string): Cell {
  return className ? { html, className } : { html };
}

/** flagged is a text cell with a state class (e.g. "bad" for a failed check). */
export function flagged(text: string, className: string): Cell {
  return { text, className };
}

/** section wraps a part of the page with its heading and an anchor for the contents. */
export function section(id: string, title: string, body: string, className = ''): string {
  return `<section id="${id}"${className ? ` class="${className}"` : ''}>\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** para is a paragraph of text (escaped). */
export function para(text: string, className = ''): string {
  return `<p${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</p>`;
}
