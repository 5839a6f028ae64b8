import { describe, expect, it } from 'vitest';
import { type Columns, textTable, writeValue } from '../../src/report/columns.js';
import { DECISION_COLUMNS } from '../../src/report/decision-columns.js';
import { GROUP_COLUMNS, groupTableContext } from '../../src/report/group-columns.js';
import { columnsTable } from '../../src/report/html/html-table.js';
import { reportFixture } from '../support/report-fixture.js';

// One column definition per report table, laid out by each format: what a format shows is data on the column.

describe('writeValue', () => {
  it.each([
    [null, 'ms' as const, '—'],
    [null, { usd: 4 } as const, '—'],
    [0, 'ms' as const, '0.00ms'],
    [0, 'pct' as const, '0.0%'],
    [0, 'count' as const, '0'],
    [1234.5, { fixed: 0 } as const, '1235'],
    [0.5, { usd: 2 } as const, '$0.50'],
    ['unpriced', { usd: 2 } as const, 'unpriced'],
  ])('writes %s as %j: %s (no data is never 0)', (v, written, text) => {
    expect(writeValue(v, written)).toBe(text);
  });
});

describe('a column table', () => {
  type Row = { name: string; ms: number | null };
  const cols: Columns<Row, { extra: boolean }> = [
    { header: 'name', text: true, value: (r) => r.name, markdown: { value: (r) => `**${r.name}**` } },
    { header: 'latency', value: (r) => r.ms, written: 'ms', html: { header: 'latency (ms)' } },
    { header: 'html only', value: () => 'x', in: ['html'] },
    { header: 'extra', value: () => 1, written: 'count', when: (c) => c.extra },
  ];
  const rows: Row[] = [
    { name: 'a', ms: 12.345 },
    { name: 'b', ms: null },
  ];

  it('shows each format its own columns, headers and values', () => {
    expect(textTable(cols, 'console', rows, { extra: false })).toEqual({
      header: ['name', 'latency'],
      rows: [
        ['a', '12.3ms'],
        ['b', '—'],
      ],
      left: 1,
    });
    expect(textTable(cols, 'markdown', rows, { extra: true }).rows[0]).toEqual(['**a**', '12.3ms', '1']);
    const html = columnsTable(cols, rows, { extra: false });
    expect(html).toContain('<th>name</th><th class="num">latency (ms)</th><th class="num">html only</th>');
    expect(html).not.toContain('extra');
  });
});

describe('the report tables', () => {
  const s = reportFixture();
  const targets = s.groups.filter((g) => g.scope === 'target' && !g.step);

  it('the per-group table: service times only in an open loop, cost only in markdown, bars only in HTML', () => {
    const closed = textTable(GROUP_COLUMNS, 'console', targets, groupTableContext(targets, false)).header;
    const open = textTable(GROUP_COLUMNS, 'console', targets, groupTableContext(targets, true)).header;
    expect(open.slice(closed.length)).toEqual(['svc TTFT p99', 'svc E2E p99', 'dropped']);
    expect(closed).not.toContain('$ / ok request');
    expect(textTable(GROUP_COLUMNS, 'markdown', targets, groupTableContext(targets)).header).toContain('$ / ok request');
    const html = columnsTable(GROUP_COLUMNS, targets, groupTableContext(targets));
    expect(html.match(/class="bar-cell"/g)?.length).toBeGreaterThan(0);
    expect(html).toContain('<th class="num">error rate</th>');
  });

  it('the decision table: the console names the SLO in its header, HTML adds the region and the recommendation', () => {
    const d = s.decision!;
    const onConsole = textTable(DECISION_COLUMNS, 'console', d.rows, s);
    expect(onConsole.header.at(-1)).toBe(`SLO (${d.slo.join(', ')})`);
    expect(onConsole.header).not.toContain('region');
    const html = columnsTable(DECISION_COLUMNS, d.rows, s);
    expect(html).toContain(`${d.cheapestMeetingSlo} <span class="badge badge-ok">recommended</span>`);
    expect(html).toContain('<th class="num text">SLO verdict</th>');
  });
});
