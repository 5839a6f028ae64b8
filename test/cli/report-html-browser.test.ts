import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { buildCharts } from '../../src/report/html/chart-specs.js';
import { renderHtmlReport } from '../../src/report/html/report-html.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { HOSTILE_TARGET, reportFixture } from '../support/report-fixture.js';
import { exclusiveTiming } from '../support/timing-lock.js';

// report.html in a real browser: a drill run by the built CLI against the embedded mock, its
// report opened from disk in Debian's Chromium (driven by playwright-core; browsers are not
// downloaded here), with every request that is not a file blocked and counted. What the page drew
// is read back from window.__charts, the registry its script fills. A full-page screenshot is
// written beside the run and its path printed, for a person to look at.
//
// Skips, saying why, only outside CI when Chromium cannot be launched; .ci/run installs it, and
// in CI a launch failure fails the test.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

// Two regions, one failover route, the primary down (503) from 1.5 s to 3.5 s: breakers open
// and close, an outage is seen, the fallback serves meanwhile.
const DRILL = {
  name: 'report-html-drill',
  seed: 13,
  targets: [
    {
      name: 'primary',
      region: 'us-east-1',
      provider: 'mock',
      model: 'gpt-4o',
      mock: {
        rttMs: 2,
        ttftMs: { dist: 'lognormal', median: 60, sigma: 0.3 },
        itlMs: 3,
        faults: [{ kind: 'http_503', from: '1500ms', to: '3500ms' }],
      },
    },
    {
      name: 'fallback',
      region: 'eu-west-1',
      provider: 'mock',
      model: 'gpt-4o-mini',
      mock: { rttMs: 5, ttftMs: { dist: 'lognormal', median: 90, sigma: 0.3 }, itlMs: 4, faults: [{ kind: 'reset', probability: 0.04 }] },
    },
  ],
  failover: [
    {
      name: 'chat',
      chain: ['primary', 'fallback'],
      attemptTimeouts: { firstToken: '2s', total: '5s' },
      retry: { maxAttempts: 3, budget: 1, minPerSec: 10 },
      breaker: { failures: 3, openFor: '600ms', halfOpenProbes: 1 },
      healthProbe: { interval: '400ms', timeout: '300ms' },
    },
  ],
  workload: { name: 'chat', promptTokens: 32, maxTokens: 8 },
  load: { rate: 15, arrivals: 'poisson', duration: '6s' },
  timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
};

// Two targets, one with a long model id, the other resetting now and then (so the decision table
// has its widest form: the p99s over all requests and a missed SLO); a mix of a two-turn chat and a
// longer summarisation (more prompt and output tokens: a slower E2E), so the page has workload and
// turn groups.
const MIX = {
  name: 'report-html-mix',
  seed: 21,
  targets: [
    {
      name: 'us-east',
      region: 'us-east-1',
      provider: 'mock',
      model: 'claude-3-5-sonnet-20241022',
      mock: { rttMs: 2, ttftMs: { dist: 'lognormal', median: 40, sigma: 0.3 }, itlMs: 2 },
    },
    {
      name: 'eu-west',
      region: 'eu-west-1',
      provider: 'mock',
      model: 'gpt-4o-mini',
      mock: { rttMs: 4, ttftMs: { dist: 'lognormal', median: 60, sigma: 0.3 }, itlMs: 3, faults: [{ kind: 'reset', probability: 0.1 }] },
    },
  ],
  workloads: [
    { name: 'chat', weight: 1, promptTokens: 32, maxTokens: 8, turns: 2 },
    { name: 'summarisation', weight: 1, promptTokens: 400, maxTokens: 40 },
  ],
  load: { concurrency: 3, duration: '4s' },
  timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
};

/** PageRegistryEntry is what the page's script records per chart (window.__charts). */
interface PageRegistryEntry {
  id: string;
  title: string;
  kind: string;
  xPoints: number;
  markers: number;
  series: { label: string; points: number }[];
}

/** Visit is what opening a page in Chromium showed: its console errors, blocked and failed requests, dialogs, and the charts drawn. */
interface Visit {
  errors: string[];
  blocked: string[];
  failed: string[];
  dialogs: string[];
  charts: PageRegistryEntry[];
  /** Whether the red INVALID RUN banner is on the page. */
  invalidBanner: boolean;
}

/** registryOf is what the page's registry must hold for a summary: every chart it calls for, with its series and points. */
function registryOf(summary: RunSummary): PageRegistryEntry[] {
  return buildCharts(summary).map((c) => ({
    id: c.id,
    title: c.title,
    kind: c.kind,
    xPoints: c.x.length,
    markers: c.markers.length,
    series: c.series.map((s) => ({ label: s.label, points: s.values.filter((v) => v !== null).length })),
  }));
}

/** Layout is what a page showed at one width: the decision table's fit, the breakdown sections, some legends. */
interface Layout {
  innerWidth: number;
  /** The decision table's wrapper: a horizontal scroll shows as scrollWidth > clientWidth. */
  decision: { scrollWidth: number; clientWidth: number; headers: string[]; verdicts: { text: string; left: number; right: number }[] };
  /** Per breakdown section: its tables, and its canvases with how many have a painted pixel. */
  sections: Record<string, { found: boolean; tables: number; canvases: number; painted: number }>;
  /** Per chart id: its legend's rows as [label, value], the cursor off the chart. */
  legends: Record<string, [string, string][]>;
}

// Reads a page's layout in the browser (the function runs in Chromium: DOM types only).
async function layoutOf(page: Page, legendIds: string[]): Promise<Layout> {
  return page.evaluate((ids) => {
    const wrap = document.querySelector('#decision table.decision')!.parentElement!;
    const rows = [...document.querySelectorAll('#decision table.decision tbody tr')];
    const sections: Layout['sections'] = {};
    for (const id of ['workloads', 'turns']) {
      const el = document.getElementById(id);
      const canvases = el ? [...el.querySelectorAll('canvas')] : [];
      const painted = canvases.filter((c) => {
        if (!c.width || !c.height) return false;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) return true;
        return false;
      });
      sections[id] = {
        found: !!el,
        tables: el?.querySelectorAll('.table-wrap > table').length ?? 0,
        canvases: canvases.length,
        painted: painted.length,
      };
    }
    const legends: Layout['legends'] = {};
    for (const id of ids)
      legends[id] = [...document.querySelectorAll(`[id="${id}"] .u-legend .u-series`)].map((r) => [
        r.querySelector('.u-label')?.textContent ?? '',
        r.querySelector('.u-value')?.textContent ?? '',
      ]);
    return {
      innerWidth: document.documentElement.clientWidth,
      decision: {
        scrollWidth: wrap.scrollWidth,
        clientWidth: wrap.clientWidth,
        headers: [...document.querySelectorAll('#decision table.decision thead th')].map((th) => th.textContent ?? ''),
        verdicts: rows.map((r) => {
          const box = r.lastElementChild!.getBoundingClientRect();
          return { text: r.lastElementChild!.textContent ?? '', left: box.left, right: box.right };
        }),
      },
      sections,
      legends,
    };
  }, legendIds);
}

describe('report.html in Chromium', () => {
  let dir: string;
  let browser: Browser | undefined;
  let cannotLaunch = '';

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-report-html-'));
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 120_000 });
    } catch (err) {
      if (process.env.CI) throw err;
      cannotLaunch = `Chromium cannot be launched here (${existsSync(CHROMIUM) ? (err as Error).message.split('\n')[0] : `${CHROMIUM} is missing; apt-get install -y chromium`}): skipping the browser test (CI installs it and runs it)`;
      console.warn(cannotLaunch);
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    // The run is removed; the screenshots and the reports they show stay for a person to look at.
    if (dir) for (const run of ['run', 'mix-run']) await rm(join(dir, run), { recursive: true, force: true });
  });

  // Opens a report from disk with every non-file request blocked, and waits for its script to draw every chart.
  async function visit(file: string, screenshot: string, width = 1280, inspect?: (page: Page) => Promise<void>): Promise<Visit> {
    const context = await browser!.newContext({ viewport: { width, height: 900 } });
    const seen: Visit = { errors: [], blocked: [], failed: [], dialogs: [], charts: [], invalidBanner: false };
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      seen.blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page: Page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') seen.errors.push(m.text());
    });
    page.on('pageerror', (e) => seen.errors.push(e.message));
    page.on('requestfailed', (r) => seen.failed.push(`${r.url()}: ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) seen.blocked.push(r.url());
    });
    page.on('dialog', (d) => {
      seen.dialogs.push(d.message());
      void d.dismiss();
    });
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction(() => (window as unknown as { __chartsDone?: boolean }).__chartsDone === true, undefined, {
        timeout: 120_000,
      });
      seen.charts = await page.evaluate(() => (window as unknown as { __charts: PageRegistryEntry[] }).__charts);
      seen.invalidBanner = await page.locator('.banner-bad h2', { hasText: 'INVALID RUN' }).isVisible();
      await inspect?.(page);
      await page.screenshot({ path: screenshot, fullPage: true, timeout: 120_000 });
      console.log(`report.html screenshot: ${screenshot}`);
      return seen;
    } finally {
      await context.close();
    }
  }

  it('a drill run by the CLI: every chart drawn with its series and points, no console error, no request off the disk', async (ctx) => {
    if (!browser) ctx.skip(cannotLaunch);
    const scenario = await writeDoc(dir, 'drill.yaml', DRILL);
    const out = join(dir, 'run');
    // The CLI run and the browser are CPU bursts: each keeps off the timing-sensitive tests (apart, so neither holds the lock long).
    const res = await exclusiveTiming(() => runCli(['run', scenario, '--out', out, '-q'], { timeoutMs: 120_000 }), 120_000);
    // A machine loaded past what the generator can do makes the run invalid (exit 5); its report is written all the same, and says so.
    expect([ExitCode.Ok, ExitCode.RunInvalid], res.stderr).toContain(res.code);
    expect(res.stdout).toMatch(new RegExp(`^results: ${out}/ \\(.*report\\.html`, 'm'));
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    // Kept beside the screenshot: the page it shows.
    await writeFile(join(dir, 'drill-report.html'), await readFile(join(out, 'report.html')));
    const seen = await exclusiveTiming(() => visit(join(out, 'report.html'), join(dir, 'drill-report.png')), 120_000);
    expect(seen.invalidBanner).toBe(!summary.validity.valid);
    expect(seen.errors).toEqual([]);
    expect(seen.blocked).toEqual([]);
    expect(seen.failed).toEqual([]);
    expect(seen.dialogs).toEqual([]);

    // The drill happened: breakers moved, an outage was seen.
    expect(summary.failover!.breakers.some((b) => b.target === 'primary' && b.to === 'open')).toBe(true);
    expect(summary.failover!.outages.some((o) => o.target === 'primary')).toBe(true);

    // Every chart the summary calls for was drawn by uPlot with exactly its series and points.
    expect(seen.charts).toEqual(registryOf(summary));
    const ids = seen.charts.map((c) => c.id);
    for (const id of ['pct-ttft', 'pct-itl', 'pct-e2e', 'time-ttft', 'time-e2e', 'time-requests', 'time-tokens', 'time-errors'])
      expect(ids).toContain(id);
    for (const [id, name] of [
      ['pct-ttft', 'TTFT'],
      ['pct-itl', 'ITL'],
      ['pct-e2e', 'E2E'],
    ] as const)
      expect(seen.charts.find((c) => c.id === id)!.series.map((s) => s.label)).toEqual(
        ['primary', 'fallback', 'route chat'].map((g) => `${g} ${name}`),
      );
    const route = seen.charts.find((c) => c.id.startsWith('time-route-'))!;
    expect(route.series.map((s) => s.label)).toEqual(['served by primary', 'served by fallback', 'failed (as users saw it)']);
    for (const c of seen.charts.filter((x) => x.kind === 'time'))
      expect(c.markers).toBe(summary.failover!.breakers.length + summary.failover!.outages.length);
    for (const c of seen.charts) for (const s of c.series) expect(s.points, `${c.id}: ${s.label}`).toBeGreaterThan(0);
    // A time chart has a point for each second of the run, the percentile charts a step of the walk each.
    expect(seen.charts.find((c) => c.id === 'time-requests')!.series.find((s) => s.label === 'route chat')!.points).toBe(
      summary.groups.find((g) => g.key === 'route:chat')!.timeseries.at(-1)!.second -
        summary.groups.find((g) => g.key === 'route:chat')!.timeseries[0]!.second +
        1,
    );
  }, 300_000);

  it('a two-workload, multi-turn run: per-workload and per-turn sections drawn, the verdict on screen at 1400 and 800 px', async (ctx) => {
    if (!browser) ctx.skip(cannotLaunch);
    const scenario = await writeDoc(dir, 'mix.yaml', MIX);
    const out = join(dir, 'mix-run');
    const res = await exclusiveTiming(() => runCli(['run', scenario, '--out', out, '-q'], { timeoutMs: 120_000 }), 120_000);
    expect([ExitCode.Ok, ExitCode.RunInvalid], res.stderr).toContain(res.code);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    // The run has what the sections split: both workloads per target, and the chat's second turn.
    const of = (scope: string) => summary.groups.filter((g) => g.scope === scope);
    expect(new Set(of('workload').map((g) => `${g.target}/${g.workload}`))).toEqual(
      new Set(['us-east/chat', 'us-east/summarisation', 'eu-west/chat', 'eu-west/summarisation']),
    );
    expect(of('turn').some((g) => g.workload === 'chat' && g.turn === 2 && g.requests.ok > 0)).toBe(true);
    const e2e = (target: string, workload: string) => of('workload').find((g) => g.target === target && g.workload === workload)!;
    for (const t of ['us-east', 'eu-west'])
      expect(e2e(t, 'summarisation').metrics.e2e.p50!).toBeGreaterThan(e2e(t, 'chat').metrics.e2e.p50!);
    await writeFile(join(dir, 'mix-report.html'), await readFile(join(out, 'report.html')));
    const splitIds = ['wl-pct-ttft', 'wl-pct-itl', 'wl-pct-e2e', 'turn-pct-ttft', 'turn-pct-itl', 'turn-pct-e2e'];
    const legendIds = ['pct-e2e', 'time-ttft', 'time-requests', 'wl-pct-e2e', 'turn-pct-ttft'];
    const specs = buildCharts(summary);
    for (const width of [1400, 800]) {
      let layout: Layout | undefined;
      const file = join(out, 'report.html');
      const shot = join(dir, `mix-report-${width}.png`);
      const seen = await exclusiveTiming(
        () =>
          visit(file, shot, width, async (page) => {
            layout = await layoutOf(page, legendIds);
          }),
        120_000,
      );
      expect(seen.errors).toEqual([]);
      expect(seen.blocked).toEqual([]);
      expect(seen.charts).toEqual(registryOf(summary));
      for (const id of splitIds) expect(seen.charts.map((c) => c.id)).toContain(id);
      const l = layout!;
      expect(l.innerWidth).toBe(width);
      // The verdict is the last column, and every row's verdict cell lies inside the page, with nothing to scroll to.
      expect(l.decision.headers.at(-1)).toBe('SLO verdict');
      expect(l.decision.headers).toContain('TTFT p99 (all requests)');
      expect(l.decision.verdicts).toHaveLength(2);
      expect(l.decision.scrollWidth, `decision table at ${width}px`).toBeLessThanOrEqual(l.decision.clientWidth);
      for (const v of l.decision.verdicts) {
        expect(v.text).not.toBe('');
        expect(v.left).toBeGreaterThanOrEqual(0);
        expect(v.right, `verdict "${v.text}" at ${width}px`).toBeLessThanOrEqual(width);
      }
      // Both breakdown sections are there, with a table per workload and every chart painted.
      const charts = (prefix: string) => specs.filter((c) => c.id.startsWith(prefix)).length;
      expect(l.sections.workloads).toEqual({ found: true, tables: 2, canvases: charts('wl-'), painted: charts('wl-') });
      expect(l.sections.turns).toEqual({ found: true, tables: 2, canvases: charts('turn-'), painted: charts('turn-') });
      // Legends name each series, with the metric, and say the whole run's figure before any hover.
      for (const id of legendIds) {
        const spec = specs.find((c) => c.id === id)!;
        const rows = l.legends[id]!;
        expect(rows[0]).toEqual([spec.kind === 'percentile' ? 'percentile' : 'second', 'whole run']);
        expect(rows.slice(1).map(([label]) => label)).toEqual(spec.series.map((s) => s.label));
        for (const [label, value] of rows.slice(1)) expect(value, `${id}: ${label}`).toMatch(/\d/);
      }
      expect(l.legends['time-ttft']!.map(([label]) => label)).toContain('us-east TTFT p50');
      expect(l.legends['time-ttft']!.find(([label]) => label === 'us-east TTFT p50')![1]).toMatch(/^run p50 \d/);
      expect(l.legends['wl-pct-e2e']!.map(([label]) => label)).toContain('us-east · summarisation E2E');
      expect(l.legends['turn-pct-ttft']!.map(([label]) => label)).toContain('eu-west · chat turn 2 TTFT');
    }
  }, 300_000);

  it('a hostile, invalid run: the markup in names and messages stays text, and INVALID RUN is the first thing on screen', async (ctx) => {
    if (!browser) ctx.skip(cannotLaunch);
    const file = join(dir, 'hostile-invalid-report.html');
    await writeFile(file, renderHtmlReport(reportFixture({ hostile: true, invalid: true })));
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const dialogs: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await context.route('**/*', (route) =>
        route.request().url().startsWith('file:') ? route.continue() : route.abort('blockedbyclient'),
      );
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction(() => (window as unknown as { __chartsDone?: boolean }).__chartsDone === true, undefined, {
        timeout: 120_000,
      });
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      // The hostile name is a legend label and a table cell, as text.
      expect(await page.locator('#pct-ttft .u-legend').textContent()).toContain(HOSTILE_TARGET);
      expect(await page.locator('#regions').textContent()).toContain(HOSTILE_TARGET);
      // Unmissable: the red banner is in the first screenful, and the title says so.
      const banner = page.locator('.banner-bad h2', { hasText: 'INVALID RUN' });
      await expect.poll(() => banner.isVisible()).toBe(true);
      const box = await banner.boundingBox();
      expect(box!.y).toBeLessThan(900);
      expect(await page.title()).toMatch(/^INVALID RUN — /);
      const shot = join(dir, 'hostile-invalid-report.png');
      await page.screenshot({ path: shot, fullPage: true, timeout: 120_000 });
      console.log(`report.html screenshot (hostile, invalid): ${shot}`);
    } finally {
      await context.close();
    }
  }, 300_000);
});
