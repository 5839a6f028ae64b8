import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import type { GeneratorHealth } from '../../src/metrics/generator-health.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { hgrmFiles } from '../../src/report/hgrm.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { validateScenario } from '../../src/scenario/validate.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { summarizeRun } from '../../src/summary/summarize-run.js';
import { judgeThresholds, thresholdSpecs } from '../../src/analysis/thresholds.js';

// The CI outputs written beside summary.json: report.md (a job summary or PR comment), junit.xml
// (one test case per threshold check) and the .hgrm percentile distributions; and the summary's
// histograms decoded by hdr-histogram-js itself, as any HdrHistogram library would.

// A target name that would break a table, an XML attribute and a path if not escaped.
const HOSTILE = 'eu|west<&>"\'\n`x`';

let id = 0;
function served(target: string, ttftMs: number, fail = false): RequestResult {
  const at = id;
  const r = newResult({
    id: id++,
    phase: 'measure',
    target,
    region: 'r1',
    provider: 'mock',
    model: 'm',
    workload: 'chat',
    turn: 1,
    step: '',
    scheduledAtMs: at,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 5,
  });
  if (fail)
    return Object.assign(r, { endAtMs: at + 3, status: 503, errorKind: 'http_5xx' as const, errorMessage: 'HTTP 503: over | capacity' });
  return Object.assign(r, {
    sentAtMs: at,
    status: 200,
    headersAtMs: at + 1,
    firstTokenAtMs: at + ttftMs,
    firstContentAtMs: at + ttftMs,
    endAtMs: at + ttftMs + 40,
    itlMs: [10, 10, 10, 10],
    contentDeltas: 5,
    outputTokens: 5,
    finishReason: 'stop',
  });
}

const health = (warnings: string[] = []): GeneratorHealth => ({
  eventLoopDelayMs: { mean: 1, p50: 1, p99: 2, max: 5 },
  eventLoopUtilization: 0.2,
  cpuPercent: 30,
  saturated: warnings.length > 0,
  warnings,
});

function summary(opts: { valid?: boolean; thresholds?: string[] } = {}): RunSummary {
  const rec = new Recorder();
  for (let i = 0; i < 200; i++) rec.add(served('us', 50 + (i % 50)));
  for (let i = 0; i < 100; i++) rec.add(served(HOSTILE, 150 + i));
  rec.add(served(HOSTILE, 0, true));
  const s = summarizeRun(rec, {
    tool: { name: 'llm-bakeoff', version: 't' },
    runId: 'run-1',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:10.000Z',
    durationMs: 10_000,
    status: 'completed',
    loadModel: 'closed',
    stopReason: 'duration reached',
    scenario: { name: 'ci' },
    generator: health(),
  });
  if (opts.valid === false) s.validity = { ...s.validity, valid: false, reasons: ['the generator was saturated'] };
  if (opts.thresholds) {
    const v = validateScenario({
      name: 'ci',
      targets: [{ name: 'us', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' }],
      load: { concurrency: 1, duration: '1s' },
      thresholds: opts.thresholds,
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    s.thresholds = judgeThresholds(thresholdSpecs(v.scenario), s.groups, s.validity.valid);
  }
  return s;
}

describe('report.md', () => {
  it('leads with the verdict, and every table row has as many cells as its header', () => {
    const md = renderMarkdown(summary({ thresholds: ['ttft.p50 < 100ms', 'errorRate < 1%'] }));
    expect(md.split('\n')[0]).toBe('# llm-bakeoff: ci — FAILED');
    expect(md).toContain('**1 of 4 failed.**');
    // A hostile name or error message cannot add a column: escaped pipes are not separators.
    const tables = md.split('\n\n').filter((b) => b.startsWith('|'));
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const t of tables) {
      const cells = t.split('\n').map((line) => line.replace(/\\\|/g, '').split('|').length);
      expect(new Set(cells).size, t).toBe(1);
    }
    expect(md).not.toMatch(/<&>/);
    expect(md).toContain('`http_5xx`');
  });

  it.each([
    { name: 'passed', s: () => summary({ thresholds: ['errorRate < 5%'] }), head: '# llm-bakeoff: ci — passed', line: '**All 2 passed.**' },
    {
      name: 'invalid',
      s: () => summary({ valid: false, thresholds: ['errorRate < 5%'] }),
      head: '# llm-bakeoff: ci — INVALID',
      line: '**Not judged**: the run is invalid.',
    },
    { name: 'no thresholds', s: () => summary(), head: '# llm-bakeoff: ci — completed', line: '## Targets' },
  ])('$name', ({ s, head, line }) => {
    const md = renderMarkdown(s());
    expect(md.split('\n')[0]).toBe(head);
    expect(md).toContain(line);
  });
});

describe('junit.xml', () => {
  const count = (xml: string, tag: string) => (xml.match(new RegExp(`<${tag}[ >/]`, 'g')) ?? []).length;

  it('one test case per check and one for validity; a breach is a failure; attributes escaped', () => {
    const xml = renderJunit(summary({ thresholds: ['ttft.p50 < 100ms', 'errorRate < 1%'] }));
    expect(count(xml, 'testcase')).toBe(5);
    expect(count(xml, 'failure')).toBe(1);
    expect(count(xml, 'error')).toBe(0);
    expect(xml).toMatch(/<testsuite name="ci" tests="5" failures="1" errors="0"/);
    expect(xml).toContain('name="ttft.p50 &lt; 100ms on target eu|west&lt;&amp;&gt;&quot;&apos;&#10;`x`"');
    // Every attribute value is closed: no raw < & or " inside quotes.
    for (const m of xml.matchAll(/="([^"]*)"/g)) expect(m[1]).not.toMatch(/[<&](?!lt;|gt;|amp;|quot;|apos;|#10;)/);
  });

  it('an invalid run: every check an error (not judged), none a failure', () => {
    const xml = renderJunit(summary({ valid: false, thresholds: ['ttft.p50 < 100ms'] }));
    expect(count(xml, 'failure')).toBe(0);
    expect(count(xml, 'error')).toBe(3);
    expect(xml).toContain('type="invalid-run"');
  });
});

describe('HdrHistogram interop', () => {
  it('summary.json histograms decode with hdr-histogram-js to the summary percentiles', () => {
    const s = summary();
    for (const g of s.groups) {
      for (const m of ['ttft', 'itl', 'e2e'] as const) {
        const h = hdr.decodeFromCompressedBase64(g.histograms[m]);
        expect(h.totalCount, `${g.target} ${m}`).toBe(g.metrics[m].count);
        for (const [p, stat] of [
          [50, 'p50'],
          [99, 'p99'],
        ] as const) {
          // Values in integer microseconds, to 3 significant digits (the decoded maximum is its
          // bucket's top; the summary clamps to the exact maximum it kept).
          const ms = h.getValueAtPercentile(p) / 1000;
          expect(Math.abs(ms - g.metrics[m][stat]!), `${g.target} ${m} ${stat}: ${ms} vs ${g.metrics[m][stat]}`).toBeLessThanOrEqual(
            g.metrics[m][stat]! * 0.001 + 0.001,
          );
        }
      }
    }
  });

  it('.hgrm files: the percentile distribution HdrHistogram prints, in ms, one per group and metric with data', () => {
    const s = summary();
    const files = hgrmFiles(s);
    const us = files.find((f) => f.path === 'hgrm/us/ttft.hgrm')!;
    expect(us).toBeDefined();
    // The hostile name is a safe directory name.
    expect(files.some((f) => /^hgrm\/eu_west_+x_\//.test(f.path))).toBe(true);
    for (const f of files) expect(f.path).toMatch(/^hgrm\/[A-Za-z0-9._-]+\/[A-Za-z0-9]+\.hgrm$/);
    // No file for a metric without samples (queue wait, DNS...).
    expect(files.some((f) => f.path.endsWith('/queueWait.hgrm'))).toBe(false);
    const lines = us.text.split('\n');
    expect(lines[0]).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)$/);
    // The line at the 99th percentile holds the summary's p99, to the histogram's resolution.
    const rows = lines.filter((l) => /^\s+[\d.]+\s+[\d.]+\s+\d+/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
    const at99 = rows.find((r) => r[1]! >= 0.99)!;
    const g = s.groups.find((x) => x.target === 'us')!;
    expect(at99[0]).toBeCloseTo(g.metrics.ttft.p99!, 0);
    expect(us.text).toMatch(/#\[Max\s+=\s+[\d.]+, Total count\s+=\s+200\]/);
  });
});
