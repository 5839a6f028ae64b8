import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html/report-html.js';
import { buildCharts, type ChartSpec } from '../../src/report/html/chart-specs.js';
import { escapeHtml, inlineSource, jsonForScript } from '../../src/report/html/escape.js';
import { percentileCurve } from '../../src/report/html/percentile-curve.js';
import { decodeHistogram, encodeHistogram, newHistogram, recordMs } from '../../src/metrics/histogram.js';
import { msCell } from '../../src/report/text-table.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { HOSTILE_MESSAGE, HOSTILE_TARGET, reportFixture } from '../support/report-fixture.js';

// report.html as a pure function of the summary: self-contained, escaped, carrying the summary's
// numbers, and saying "no data" and "invalid" where they apply. (test/cli/report-html-browser.test.ts
// opens real reports in Chromium.)

/** chartData is the JSON the page's script draws from, read back out of the page as a browser would. */
function chartData(html: string): { charts: ChartSpec[] } {
  const m = html.match(/<script type="application\/json" id="bakeoff-data">([\s\S]*?)<\/script>/);
  expect(m, 'the chart data element').not.toBeNull();
  return JSON.parse(m![1]!) as { charts: ChartSpec[] };
}

const chart = (html: string, id: string) => chartData(html).charts.find((c) => c.id === id);
const labels = (c: ChartSpec | undefined) => c?.series.map((s) => s.label);
const points = (c: ChartSpec, label: string) => c.series.find((s) => s.label === label)!.values.filter((v) => v !== null).length;
// The text of the page outside <script> and <style> elements, tags removed: what a reader sees.
const visibleText = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;|&gt;|&quot;|&#39;|&amp;/g, (e) => ({ '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' })[e]!)
    .replace(/\s+/g, ' ');

describe('renderHtmlReport', () => {
  const summary = reportFixture();
  const html = renderHtmlReport(summary);

  it('is one self-contained file: no external URL in any src or href, no link or remote stylesheet, a CSP that forbids the network', () => {
    // Every attribute that can load something, on every element (script and style bodies aside: they are code, not markup).
    const markupOnly = html.replace(/(<(script|style)\b[^>]*>)[\s\S]*?(<\/\2>)/g, '$1$3');
    const refs = [...markupOnly.matchAll(/\s(?:src|href|action|srcset|poster|data|formaction)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5); // the contents' anchors
    for (const ref of refs) expect(ref, `reference ${ref}`).toMatch(/^#/);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/cdn|unpkg|jsdelivr/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    // uPlot itself is inlined: its global and its stylesheet are in the page.
    expect(html).toMatch(/var uPlot=function\(\)/);
    expect(html).toContain('.uplot {');
    // Three script elements (chart data, uPlot, the page's own), each closed once.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(Buffer.byteLength(html)).toBeLessThan(400_000);
  });

  it('has the decision table with every target, the SLO verdicts and the recommendation', () => {
    const text = visibleText(html);
    const d = summary.decision!;
    for (const r of d.rows) expect(text).toContain(r.target);
    expect(text).toContain(`SLO: ${d.slo.join(', ')}`);
    expect(d.cheapestMeetingSlo).toBe('eu-west-a');
    expect(text).toContain('Recommendation: eu-west-a');
    expect(text).toContain('misses: errorRate < 1%'); // us-east, down for 2.4 s
    expect(text).toContain('no successful requests'); // ap-down
    const usEast = d.rows.find((r) => r.target === 'us-east')!;
    expect(text).toMatch(new RegExp(`us-east us-east-1 gpt-4o ${usEast.ttftP50!.toFixed(0)}ms ${usEast.ttftP99!.toFixed(0)}ms`));
  });

  it('never draws or prints no data as 0: the target without a successful request has no latency line and — in its cells', () => {
    // Its p99s over all requests are not "no data": every request failed, slower than any success (none).
    const beyond = '> max (100.0% failed)';
    const row = visibleText(html).match(
      /ap-down ap-southeast-1 gpt-4o-mini (\S+) (\S+) (> max \(\S+ failed\)|\S+) (\S+) (\S+) (> max \(\S+ failed\)|\S+) (\S+) (\S+) (\S+)/,
    );
    expect(row?.slice(1)).toEqual(['—', '—', beyond, '—', '—', beyond, '100.0%', '—', '—']);
    for (const [id, name] of [
      ['pct-ttft', 'TTFT'],
      ['pct-itl', 'ITL'],
      ['pct-e2e', 'E2E'],
    ] as const)
      expect(labels(chart(html, id))).toEqual(['us-east', 'eu-west-a', 'eu-west-b', 'route chat'].map((g) => `${g} ${name}`));
    expect(labels(chart(html, 'time-ttft'))!.some((l) => l.startsWith('ap-down'))).toBe(false);
    // Its request counts are real zeros and ones, inside its series only.
    const requests = chart(html, 'time-requests')!;
    expect(requests.series.find((s) => s.label === 'ap-down')!.values).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, null, null]);
  });

  it('plots latency by percentile from the histograms, agreeing with the summary at p50 and at the ends', () => {
    for (const g of summary.groups.filter((x) => x.metrics.ttft.count > 0)) {
      for (const m of ['ttft', 'itl', 'e2e'] as const) {
        const curve = percentileCurve(g.histograms[m], g.metrics[m]);
        expect(curve[0]!.percentile).toBe(0);
        // 0 %: the top of the lowest bucket, within the histogram's 3 significant digits of the exact min.
        expect(curve[0]!.ms).toBeGreaterThanOrEqual(g.metrics[m].min!);
        expect(curve[0]!.ms).toBeLessThanOrEqual(g.metrics[m].min! * 1.001);
        expect(curve.find((p) => p.percentile === 50)!.ms).toBe(g.metrics[m].p50);
        expect(curve.find((p) => p.percentile === 50)!.x).toBe(2);
        for (const p of curve) expect(p.ms).toBeLessThanOrEqual(g.metrics[m].max!);
        // Finer steps toward the tail, as HdrHistogram's percentile distribution (whose walk ends where the max's bucket begins).
        if (m === 'e2e')
          expect(curve.filter((p) => p.percentile >= 90).length).toBeGreaterThan(curve.filter((p) => p.percentile < 50).length);
      }
    }
    const ttft = chart(html, 'pct-ttft')!;
    expect(ttft.kind).toBe('percentile');
    expect(ttft.x[0]).toBe(1);
    const us = summary.groups.find((g) => g.key === 'us-east')!;
    expect(points(ttft, 'us-east TTFT')).toBe(percentileCurve(us.histograms.ttft, us.metrics.ttft).length);
  });

  it('has latency, throughput and errors per second, the route served-by chart, and failover markers on each', () => {
    const ids = chartData(html).charts.map((c) => c.id);
    expect(ids).toEqual([
      'pct-ttft',
      'pct-itl',
      'pct-e2e',
      'time-ttft',
      'time-e2e',
      'time-requests',
      'time-tokens',
      'time-route-4',
      'time-errors',
    ]);
    const ttft = chart(html, 'time-ttft')!;
    expect(ttft.x).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5]);
    expect(labels(ttft)).toEqual([
      'us-east TTFT p50',
      'us-east TTFT p99',
      'eu-west-a TTFT p50',
      'eu-west-a TTFT p99',
      'eu-west-b TTFT p50',
      'eu-west-b TTFT p99',
      'route chat TTFT p50',
      'route chat TTFT p99',
    ]);
    const usEast = (sec: number) => summary.groups[0]!.timeseries.find((p) => p.second === sec)?.ttft?.p50 ?? null;
    expect(ttft.series[0]!.values).toEqual(ttft.x.map((x) => usEast(x - 0.5)));
    // us-east answered nothing in second 4 (down from 3 s to 5.4 s): a gap, not a 0.
    expect(summary.groups[0]!.timeseries.find((p) => p.second === 4)).toMatchObject({ ok: 0, ttft: null });
    expect(ttft.series[0]!.values[4]).toBeNull();
    expect(ttft.series[0]!.values[2]).toBeGreaterThan(0);
    const errors = chart(html, 'time-errors')!;
    expect(labels(errors)).toEqual([
      'connect_error (targets)',
      'http_5xx (targets)',
      'reset (targets)',
      'stream_cut (targets)',
      'circuit_open (route chat)',
    ]);
    expect(errors.series[1]!.values).toEqual([0, 0, 0, 8, 8, 4, 0, 0, 0, 0, 0]);
    const route = chart(html, 'time-route-4')!;
    expect(labels(route)).toEqual(['served by us-east', 'served by eu-west-a', 'failed (as users saw it)']);
    for (const c of chartData(html).charts.filter((c) => c.kind === 'time')) {
      expect(c.markers.filter((m) => m.kind === 'breaker').map((m) => [m.fromS, m.state])).toEqual([
        [3.2505, 'open'],
        [4.2505, 'half-open'],
        [4.262, 'open'],
        [5.262, 'half-open'],
        [5.52, 'closed'],
      ]);
      expect(c.markers.filter((m) => m.kind === 'outage').map((m) => [m.fromS, m.toS, m.target])).toEqual([[3.01, 5.7, 'us-east']]);
    }
    expect(html).toContain('outage chat/us-east');
    expect(html).toContain('breaker → half-open');
  });

  it('compares targets region by region', () => {
    const text = visibleText(html.slice(html.indexOf('id="regions"'), html.indexOf('id="over-time"')));
    expect(text).toMatch(/us-east-1 target .* us-east gpt-4o/);
    expect(text).toMatch(/eu-west-1 target .* eu-west-a gpt-4o-mini .* eu-west-b gpt-4o-mini/);
    expect(text).toMatch(/ap-southeast-1 .* ap-down gpt-4o-mini 0\/5 100\.0% — > max \(100\.0% failed\) — — > max \(100\.0% failed\)/);
    // Beside the success-only p99s, the p99s over all requests: a value where the p99 is a success's.
    expect(text).toMatch(/eu-west-a gpt-4o-mini 80\/80 0\.0% \S+ms \/ (\S+ms) \1 /);
  });

  it('lists errors by kind with their first message, and the failover and cost tables', () => {
    const text = visibleText(html);
    expect(text).toContain('HTTP 503: server_error: The server is overloaded or not ready yet.');
    expect(text).toContain('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9');
    expect(text).toMatch(/Breaker transitions .* 3\.25 s chat us-east closed → open 3 consecutive failures/);
    expect(text).toMatch(/chat us-east 20 3\.01 s 5\.29 s 241ms 5\.70 s 410ms/);
    expect(text).toMatch(/us-east gpt-4o \$2\.50 \$10\.00 \$\d+\.\d{4}/);
    expect(text).toContain('List prices as of 2026-05-01');
  });

  it('has the thresholds table: pass and fail, — for nothing measured, and a breach banner', () => {
    const text = visibleText(html);
    expect(text).toContain('Thresholds breached');
    expect(text).toMatch(/ttft\.p99 < 600ms us-east \d+ms 600ms pass/);
    expect(text).toMatch(/errorRate < 1% us-east 25\.0% 1\.0% FAIL/);
    expect(text).toMatch(/e2e\.p99 < 2s region ap-southeast-1 — 2000ms FAIL/);
    expect(text).toMatch(/requestsPerSec >= 5 route chat 8\.1\/s 5\/s pass/);
  });

  it('shows validity and generator health, and a valid run has no INVALID banner', () => {
    const text = visibleText(html);
    expect(text).toContain('Run validity and generator health');
    expect(text).toMatch(/verdict valid measured arrivals \d+/);
    expect(text).toContain('event-loop delay p99 4.10ms 20ms');
    expect(html).not.toContain('INVALID RUN');
    expect(text).toContain('fixture valid run');
  });

  it('has the run metadata', () => {
    const text = visibleText(html);
    for (const s of [
      '20260501-120000-fixture',
      '2026-05-01T12:00:00.000Z',
      '2026-05-01T12:00:10.500Z',
      'open loop, 8/s constant arrivals per target, for 10.0 s',
      'completed — load schedule complete',
      'llm-bakeoff 0.0.0-test',
    ])
      expect(text).toContain(s);
  });
});

describe('renderHtmlReport of a mix of workloads with conversations', () => {
  const summary = reportFixture({ mix: true });
  const html = renderHtmlReport(summary);
  const section = (id: string) => html.match(new RegExp(`<section id="${id}">[\\s\\S]*?</section>`))?.[0] ?? '';

  it('has a per-workload and a per-turn section, listed in the contents, between the regions and the charts over time', () => {
    expect(html).toContain('<a href="#workloads">By workload</a><a href="#turns">By turn</a>');
    const at = (id: string) => html.indexOf(`<section id="${id}">`);
    expect(at('regions')).toBeLessThan(at('workloads'));
    expect(at('workloads')).toBeLessThan(at('turns'));
    expect(at('turns')).toBeLessThan(at('over-time'));
    // The fixture without the mix has neither, nor their charts.
    const plain = renderHtmlReport(reportFixture());
    expect(plain).not.toContain('id="workloads"');
    expect(plain).not.toContain('id="turns"');
    expect(buildCharts(reportFixture()).some((c) => /^(wl|turn)-/.test(c.id))).toBe(false);
  });

  it("tables each workload, and each turn, with the groups' own figures", () => {
    const workloads = visibleText(section('workloads'));
    for (const g of summary.groups.filter((x) => x.scope === 'workload' && x.requests.total > 0)) {
      const row = new RegExp(`${g.target} ${g.model} ${g.requests.ok}/${g.requests.total} `);
      expect(workloads, `${g.target}/${g.workload}`).toMatch(row);
    }
    expect(workloads).toMatch(/ chat target model ok \/ total .* summarisation target model ok \/ total /);
    const turns = visibleText(section('turns'));
    const turn2 = summary.groups.find((g) => g.scope === 'turn' && g.target === 'eu-west-a' && g.turn === 2)!;
    expect(turns).toContain(`eu-west-a 2 gpt-4o-mini ${turn2.requests.ok}/${turn2.requests.total} `);
    expect(turns).toMatch(/ chat target turn model /);
  });

  it("splits the latency-by-percentile charts per workload and per turn, each line from its group, its legend the group's figures", () => {
    const ids = chartData(html).charts.map((c) => c.id);
    expect(ids.filter((id) => /^(wl|turn)-/.test(id))).toEqual([
      'wl-pct-ttft',
      'wl-pct-itl',
      'wl-pct-e2e',
      'wl-time-ttft',
      'wl-time-e2e',
      'wl-time-requests',
      'wl-time-tokens',
      'turn-pct-ttft',
      'turn-pct-itl',
      'turn-pct-e2e',
      'turn-time-ttft',
      'turn-time-e2e',
      'turn-time-requests',
      'turn-time-tokens',
    ]);
    for (const id of ids.filter((x) => /^(wl|turn)-/.test(x)))
      expect(section(id.startsWith('wl-') ? 'workloads' : 'turns')).toContain(`id="${id}"`);
    const e2e = chart(html, 'wl-pct-e2e')!;
    expect(e2e.title).toBe('E2E by percentile (end-to-end latency), per workload');
    expect(labels(e2e)).toEqual([
      'us-east · chat E2E',
      'eu-west-a · chat E2E',
      'eu-west-b · chat E2E',
      'us-east · summarisation E2E',
      'eu-west-a · summarisation E2E',
      'eu-west-b · summarisation E2E',
    ]);
    const g = summary.groups.find((x) => x.scope === 'workload' && x.target === 'us-east' && x.workload === 'summarisation')!;
    const series = e2e.series.find((s) => s.label === 'us-east · summarisation E2E')!;
    expect(points(e2e, series.label)).toBe(percentileCurve(g.histograms.e2e, g.metrics.e2e).length);
    expect(series.legend).toBe(`p50 ${msCell(g.metrics.e2e.p50)} · p99 ${msCell(g.metrics.e2e.p99)}`);
    expect(labels(chart(html, 'turn-pct-ttft'))).toContain('eu-west-b · chat turn 2 TTFT');
    // One colour per line: a target's workloads are told apart.
    expect(new Set(e2e.series.map((s) => s.color)).size).toBe(e2e.series.length);
  });

  it("splits the per-second charts too, each line the group's own seconds", () => {
    const requests = chart(html, 'wl-time-requests')!;
    expect(requests.title).toBe('Requests per second, per workload');
    const g = summary.groups.find((x) => x.scope === 'workload' && x.target === 'eu-west-a' && x.workload === 'chat')!;
    expect(g.timeseries.length).toBeGreaterThan(0);
    const series = requests.series.find((s) => s.label === 'eu-west-a · chat')!;
    // Every request of the group is in one of its seconds, as in the whole run's chart.
    expect(series.values.reduce<number>((n, v) => n + (v ?? 0), 0)).toBe(g.requests.total);
    expect(series.legend).toBe(`${g.requests.total} in all`);
    expect(section('turns')).toContain('id="turn-time-ttft"');
  });

  it("says the traffic mode once when the run's note already opens with it", () => {
    const note = "paired: every target received the full load and the same sequence of prompts (seed 42), so differences are the targets'.";
    const header = visibleText(renderHtmlReport({ ...summary, traffic: { mode: 'paired', seed: 42, note } }).split('</header>')[0]!);
    expect(header).toContain(`traffic ${note}`);
    expect(header.match(/paired/g)).toHaveLength(1);
    // A routed run's note names no seed: it follows, once.
    const routed = 'routed: one traffic stream split across targets by weight (a 80, b 20); each request went to one target.';
    const header2 = visibleText(
      renderHtmlReport({ ...summary, traffic: { mode: 'routed', seed: 7, note: routed } }).split('</header>')[0]!,
    );
    expect(header2).toContain(`traffic ${routed} (seed 7)`);
    expect(header2.match(/routed/g)).toHaveLength(1);
  });
});

describe('renderHtmlReport of an invalid run', () => {
  const summary = reportFixture({ invalid: true });
  const html = renderHtmlReport(summary);
  const text = visibleText(html);

  it('says INVALID RUN first — in the title, the header and a banner before any table — with its reasons', () => {
    expect(summary.validity.valid).toBe(false);
    expect(html).toMatch(/<title>INVALID RUN — fixture/);
    const banner = html.indexOf('<div class="banner banner-bad" role="alert"><h2>INVALID RUN</h2>');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(html.indexOf('<table'));
    for (const r of summary.validity.reasons) expect(text).toContain(r);
    expect(text).toContain('client_overload');
    expect(html).toContain('class="health-bad"');
  });

  it('says the thresholds were not evaluated, and the generator was saturated', () => {
    expect(text).toContain('Thresholds were not evaluated');
    expect(text).toMatch(/ttft\.p99 < 600ms us-east \d+ms 600ms not evaluated/);
    expect(text).toContain('Generator saturated');
    expect(text).toContain('WARNING: event-loop delay p99 640ms exceeds 20ms');
    expect(text).toMatch(/event-loop utilization 97\.0% 90%/);
  });
});

describe('renderHtmlReport escapes what comes from the summary', () => {
  const summary = reportFixture({ hostile: true });
  const html = renderHtmlReport(summary);

  it('shows hostile target names and error messages as text, in HTML and in the chart data', () => {
    expect(html).not.toContain(HOSTILE_TARGET);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>bad gateway</b>');
    expect(html).not.toMatch(/<script>window\.__pwned/);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain(escapeHtml(HOSTILE_TARGET));
    expect(html).toContain(escapeHtml(HOSTILE_MESSAGE));
    // The chart data still reads back exactly: the series is labelled with the name as it is.
    expect(labels(chart(html, 'pct-ttft'))).toContain(`${HOSTILE_TARGET} TTFT`);
  });
});

describe('renderHtmlReport of a run with nothing measured', () => {
  it('renders without charts, saying so, and without a 0 anywhere a number would be', () => {
    const empty: RunSummary = {
      ...reportFixture(),
      groups: [],
      decision: { slo: ['errorRate < 1%'], rows: [], cheapestMeetingSlo: null, tiedWith: [] },
      failover: undefined,
      thresholds: undefined,
    };
    const html = renderHtmlReport(empty);
    expect(buildCharts(empty)).toEqual([]);
    expect(chartData(html).charts).toEqual([]);
    expect(visibleText(html)).toContain('No successful request: no latency to plot.');
    expect(visibleText(html)).toContain('No decision table');
  });
});

describe('escaping', () => {
  it.each([['</script><script>alert(1)</script>'], ['<!-- <script> -->'], ['a & b < c > d "e" \'f\''], ['line\u2028separator\u2029']])(
    'jsonForScript(%j) has no < > & and reads back the same',
    (text) => {
      const out = jsonForScript({ text });
      expect(out).not.toMatch(/[<>&\u2028\u2029]/);
      expect(JSON.parse(out)).toEqual({ text });
    },
  );

  it('escapeHtml escapes the five characters HTML gives meaning to', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('inlineSource keeps a closing tag inside a library from ending its element', () => {
    expect(inlineSource('var s = "</script>";', 'script')).toBe('var s = "<\\/script>";');
    expect(inlineSource('/* </STYLE> */ a{}', 'style')).toBe('/* <\\/STYLE> */ a{}');
  });
});

describe('percentileCurve', () => {
  it('is empty for an empty histogram or none: no data is no curve', () => {
    expect(percentileCurve('')).toEqual([]);
    expect(percentileCurve(encodeHistogram(newHistogram()))).toEqual([]);
  });

  it('walks 1..1000 ms to its last resolvable step, clamped to the observed max', () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    const curve = percentileCurve(encodeHistogram(h));
    const decoded = decodeHistogram(encodeHistogram(h));
    expect(curve[0]).toEqual({ percentile: 0, x: 1, ms: 1 });
    expect(curve.find((p) => p.percentile === 50)).toEqual({ percentile: 50, x: 2, ms: decoded.getValueAtPercentile(50) / 1000 });
    expect(curve.at(-1)!.percentile).toBeGreaterThan(99.8);
    // The histogram's max (what summary.json's max is), never above it.
    expect(curve.at(-1)!.ms).toBeLessThanOrEqual(decoded.maxValue / 1000);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.x).toBeGreaterThan(curve[i - 1]!.x);
      expect(curve[i]!.ms).toBeGreaterThanOrEqual(curve[i - 1]!.ms);
    }
  });
});
