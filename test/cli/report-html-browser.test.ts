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
    if (dir) await rm(join(dir, 'run'), { recursive: true, force: true });
  });

  // Opens a report from disk with every non-file request blocked, and waits for its script to draw every chart.
  async function visit(file: string, screenshot: string): Promise<Visit> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
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
    const expected = buildCharts(summary).map((c) => ({
      id: c.id,
      title: c.title,
      kind: c.kind,
      xPoints: c.x.length,
      markers: c.markers.length,
      series: c.series.map((s) => ({ label: s.label, points: s.values.filter((v) => v !== null).length })),
    }));
    expect(seen.charts).toEqual(expected);
    const ids = seen.charts.map((c) => c.id);
    for (const id of ['pct-ttft', 'pct-itl', 'pct-e2e', 'time-ttft', 'time-e2e', 'time-requests', 'time-tokens', 'time-errors'])
      expect(ids).toContain(id);
    for (const id of ['pct-ttft', 'pct-itl', 'pct-e2e'])
      expect(seen.charts.find((c) => c.id === id)!.series.map((s) => s.label)).toEqual(['primary', 'fallback', 'route chat']);
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
