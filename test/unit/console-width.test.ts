import { describe, expect, it } from 'vitest';
import { consoleColumns, shortPath } from '../../src/cli/io.js';
import { fitColumns, fitText, table, wrap } from '../../src/report/text-table.js';

// The console report fits a width: tables drop their least needed columns (the verdict never), cut long names with
// "…", and say what they hid; text wraps; no width, everything in full.

const width = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

const HEADER = ['target', 'model', 'TTFT p50', 'TTFT p99', 'ITL p99', 'out tok/s', 'err%', 'verdict'];
const ROWS = [
  ['us-east', 'claude-3-5-sonnet-20241022', '195ms', '368ms', '19.0ms', '493', '0.0%', 'meets'],
  ['deepseek-global-eu-west', 'gpt-4o-mini', '294ms', '551ms', '25.7ms', '372', '1.5%', 'misses: errorRate < 1%'],
];
// ITL p99 drops first, then out tok/s, then the p50, then the model; target, err% and the verdict never.
const FIT = { drop: [undefined, 1, 3, undefined, 5, 4, undefined, undefined], fold: [true, true, false, false, false, false, false, true] };

describe('table fitted to a width', () => {
  it('with no width, or room enough, lays every column out in full', () => {
    const full = table(HEADER, ROWS, 2);
    expect(table(HEADER, ROWS, 2, { ...FIT })).toBe(full);
    expect(table(HEADER, ROWS, 2, { ...FIT, width: width(full) })).toBe(full);
    expect(full).toContain('claude-3-5-sonnet-20241022');
    expect(full).not.toContain('hidden');
  });

  it('drops the highest ranks first, keeps the verdict, and names what it hid', () => {
    const full = table(HEADER, ROWS, 2);
    const fitted = table(HEADER, ROWS, 2, { ...FIT, width: 80 });
    expect(width(full)).toBeGreaterThan(80);
    expect(width(fitted)).toBeLessThanOrEqual(80);
    const head = fitted.split('\n')[0]!;
    for (const kept of ['target', 'err%', 'verdict', 'TTFT p99']) expect(head).toContain(kept);
    expect(head).not.toContain('ITL p99');
    // The footnote, wrapped at the width like any line, names the hidden columns in the table's order.
    expect(fitted.replace(/\n\s+/g, ' ')).toContain('(3 columns hidden to fit 80 columns: TTFT p50, ITL p99, out tok/s; --wide shows all)');
    // Long cells are cut to share what is left rather than drop: the model's id is there, cut short.
    expect(fitted).toMatch(/ claude-3-5-\S*… /);
  });

  it('at a width too narrow for the figures, keeps only what may not drop, its long cells cut with "…"', () => {
    const fitted = table(HEADER, ROWS, 2, { ...FIT, width: 40 });
    const [head, , row1, row2] = fitted.split('\n');
    expect(head!.split(/\s{2,}/)).toEqual(['target', 'TTFT p99', 'err%', 'verdict']);
    expect(row1).toMatch(/^us-east\s+368ms\s+0\.0%\s+meets$/);
    // The names and the verdict are cut, never below 8 characters, and the cut shows.
    expect(row2).toMatch(/^deepseek-\S*…\s+551ms\s+1\.5%\s+misses: \S*…$/);
    expect(width(fitted.split('\n').slice(0, 4).join('\n'))).toBeLessThanOrEqual(40);
  });

  it('fitColumns keeps every column when nothing may drop or fold (a table that cannot fit overflows)', () => {
    expect(fitColumns([30, 30, 30], { width: 20 })).toEqual({ keep: [0, 1, 2], widths: [30, 30, 30] });
    expect(fitColumns([30, 30, 30], { width: 20, fold: [true] })).toEqual({ keep: [0, 1, 2], widths: [8, 30, 30] });
    // The widest folding column narrows first.
    expect(fitColumns([30, 10, 24], { width: 56, fold: [true, false, true] }).widths).toEqual([21, 10, 21]);
  });
});

describe('text wrapped at a width', () => {
  it('breaks at spaces, indents the rest, and leaves a short line alone', () => {
    const line = '  us-east: #248 E2E 1270ms TTFT 497ms chatcmpl-mock2x; #225 E2E 1170ms TTFT 368ms chatcmpl-mock2q';
    const lines = wrap(line, 40);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines[0]).toBe('  us-east: #248 E2E 1270ms TTFT 497ms');
    expect(lines.slice(1).every((l) => l.startsWith('    '))).toBe(true);
    expect(lines.join(' ').replace(/\s+/g, ' ').trim()).toBe(line.trim());
    expect(wrap('short', 40)).toEqual(['short']);
    expect(wrap(line, undefined)).toEqual([line]);
  });

  it('cuts a word longer than the width', () => {
    const lines = wrap(`results: ${'x'.repeat(50)}`, 20);
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.join('').replace(/\s/g, '')).toBe(`results:${'x'.repeat(50)}`);
  });

  it('fitText wraps a report line by line; no width leaves it as it is', () => {
    const text = `title\n${'word '.repeat(30).trim()}`;
    expect(fitText(text, undefined)).toBe(text);
    expect(width(fitText(text, 30))).toBeLessThanOrEqual(30);
  });
});

describe('the console width', () => {
  it('is COLUMNS, else the terminal width, else none off a terminal', () => {
    expect(consoleColumns({ COLUMNS: '100' }, { isTTY: false })).toBe(100);
    expect(consoleColumns({ COLUMNS: '100' }, { isTTY: true, columns: 132 })).toBe(100);
    expect(consoleColumns({}, { isTTY: true, columns: 132 })).toBe(132);
    expect(consoleColumns({}, { isTTY: false, columns: 132 })).toBeUndefined();
    expect(consoleColumns({ COLUMNS: '' }, {})).toBeUndefined();
    expect(consoleColumns({ COLUMNS: 'wide' }, {})).toBeUndefined();
    expect(consoleColumns({ COLUMNS: '0' }, {})).toBeUndefined();
  });

  it('paths print relative to the working directory when under it', () => {
    expect(shortPath('/work/p/results/r1', '/work/p')).toBe('results/r1');
    expect(shortPath('/work/p', '/work/p')).toBe('.');
    expect(shortPath('/tmp/r1', '/work/p')).toBe('/tmp/r1');
  });
});
