import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { cliEnv, ensureBuilt, runCli, writeDoc, startMockProcess, type MockProcess } from '../support/cli-process.js';
import { startHostileServer, type HostileServer } from '../support/hostile.js';
import { REFUSED_BASE_URL } from '../support/stub-server.js';

// The hostile-server corpus: one run against every way a provider misbehaves when it matters,
// beside a healthy target. Each case must end in a classified kind, the run must end on time,
// the healthy target must not notice, and every request must be accounted for: sent = ok + failed
// in requests.csv and in summary.json alike.

// Generous enough for a machine shared with another test run (counting the megabyte of base64
// takes a second of CPU alone), short enough for the run to end in seconds.
const TIMEOUTS = { connect: '2s', firstToken: '2s', total: '8s' };
const TOTAL_MS = 8_000;
const DURATION_MS = 3_000;

/** CASES: hostile mode → the error kind its requests end with (null: served). */
const CASES: Record<string, ErrorKind | null> = {
  'invalid-json': 'bad_stream',
  'wrong-content-type': null,
  'html-200': 'bad_stream',
  gzip: 'bad_stream',
  'huge-event': 'bad_stream',
  'no-space-megabyte': null,
  'hundred-thousand-deltas': null,
  'never-ends': 'total_timeout',
  'no-done': 'stream_cut',
  'headers-then-silence': 'ttft_timeout',
  slowloris: 'ttft_timeout',
  'error-body-200': 'stream_error',
  'error-event': 'stream_error',
  'reset-before-headers': 'reset',
  'reset-mid-stream': 'stream_cut',
  'far-too-long': null,
  'unauthorized-401': 'http_4xx',
  'rate-limited-429': 'http_429',
  'unavailable-503-html': 'http_5xx',
  refused: 'connect_error',
};

/** MESSAGES: what the failure says arrived, where it is worth checking. */
const MESSAGES: Partial<Record<string, RegExp>> = {
  'html-200': /^HTML page, status 200, [\d.]+ KB: "Attention Required! \| Cloudflare"$/,
  gzip: /^gzip-encoded body, status 200/,
  'huge-event': /^an event larger than 1 MiB of characters after 0 deltas/,
  'no-done': /^stream ended after 2 deltas \(\d+ B\) without finish_reason or \[DONE\]$/,
  'error-body-200': /^provider error with status 200, \d+ B: server_error\/overloaded: The engine is currently overloaded/,
  'error-event': /The model produced invalid content/,
  'reset-mid-stream': /^stream cut after 2 deltas/,
  'unauthorized-401': /^HTTP 401: invalid_request_error\/invalid_api_key: Incorrect API key provided\. — this target sends no API key/,
  'unavailable-503-html': /^HTTP 503: an HTML page \(\d+ bytes\): "503 Service Temporarily Unavailable"$/,
};

interface Row {
  target: string;
  sent_ms: string;
  end_ms: string;
  e2e_ms: string;
  phase: string;
  attempt: string;
  ok: string;
  error_kind: string;
  error_message: string;
  output_tokens: string;
  ttft_ms: string;
}

/**
 * expectOnTime: on the run's own clock, nothing was sent after the duration and nothing outlived its total timeout by
 * more than the generator's own worst event-loop delay (a timer cannot fire while the loop is held). In wall time, the
 * process's start-up and finish beyond the run are compared with the baseline run's, taken on this machine a moment
 * before (on a busy machine both take seconds): the corpus adds its own CPU (a megabyte to count, 100,000 deltas), at
 * most as much again as the baseline's whole overhead, plus 2 s.
 */
function expectOnTime(rows: readonly Row[], summary: RunSummary, wallMs: number, baselineWallMs: number): void {
  const lateBy = summary.generator.eventLoopDelayMs.max ?? 0;
  const sentMs = rows.map((r) => Number(r.sent_ms)).filter((t) => Number.isFinite(t) && t > 0);
  const endMs = rows.map((r) => Number(r.end_ms)).filter(Number.isFinite);
  const e2eMs = rows.map((r) => Number(r.e2e_ms)).filter(Number.isFinite);
  expect(Math.max(...sentMs) - Math.min(...sentMs)).toBeLessThan(DURATION_MS + lateBy + 100);
  expect(Math.max(...e2eMs)).toBeLessThan(TOTAL_MS + lateBy + 100);
  expect(Math.max(...endMs) - Math.min(...sentMs)).toBeLessThan(DURATION_MS + TOTAL_MS + lateBy + 100);
  const overheadMs = baselineWallMs - DURATION_MS;
  expect(wallMs).toBeLessThan(DURATION_MS + TOTAL_MS + 2 * overheadMs + 2_000);
}

describe('hostile-server corpus', () => {
  let dir: string;
  let hostile: HostileServer;
  let hostileUrl: string;
  let mock: MockProcess | undefined;
  let healthyUrl: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-hostile-'));
    hostile = await startHostileServer();
    hostileUrl = hostile.url;
    mock = await startMockProcess({ ttftMs: 50, itlMs: 5 }, 120_000);
    healthyUrl = mock.baseUrl;
  }, 130_000);

  afterAll(async () => {
    hostile?.close();
    await mock?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scenario = (targets: Record<string, unknown>[]) => ({
    name: 'hostile',
    targets,
    workload: { promptTokens: 16, maxTokens: 8 },
    load: { concurrency: 1, duration: `${DURATION_MS}ms`, errorBackoff: '200ms' },
    timeouts: TIMEOUTS,
  });
  const healthy = () => ({ name: 'healthy', model: 'mock-model', baseUrl: healthyUrl });

  async function run(name: string, targets: Record<string, unknown>[]) {
    const file = await writeDoc(dir, `${name}.yaml`, scenario(targets));
    const out = join(dir, name);
    const t0 = performance.now();
    const res = await runCli(['run', file, '--quiet', '--out', out], { env: cliEnv(), timeoutMs: 60_000 });
    const wallMs = performance.now() - t0;
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const rows = parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Row[];
    return { res, wallMs, summary, rows };
  }

  it('every case classified, the run on time, the healthy target unaffected, every request accounted for', async () => {
    const baseline = await run('baseline', [healthy()]);
    expect(baseline.res.code, baseline.res.stderr).toBe(ExitCode.Ok);

    const targets = [
      healthy(),
      ...Object.keys(CASES).map((mode) => ({
        name: mode,
        model: 'm',
        baseUrl: mode === 'refused' ? REFUSED_BASE_URL : `${hostileUrl}/${mode}/corpus/v1`,
      })),
    ];
    const { res, wallMs, summary, rows } = await run('corpus', targets);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expectOnTime(rows, summary, wallMs, baseline.wallMs);

    const group = (t: string) => summary.groups.find((g) => g.scope === 'target' && g.target === t)!;
    const report: string[] = [];
    for (const [mode, kind] of Object.entries(CASES)) {
      const g = group(mode);
      const measured = rows.filter((r) => r.target === mode && r.phase === 'measure');
      expect(measured.length, mode).toBeGreaterThan(0);
      // Classified: every request of the case ends the way the case says.
      const kinds = [...new Set(measured.map((r) => r.error_kind || null))];
      expect(kinds, `${mode}: ${measured.map((r) => r.error_message).find(Boolean) ?? ''}`).toEqual([kind]);
      if (MESSAGES[mode]) expect(measured.find((r) => r.error_kind)!.error_message, mode).toMatch(MESSAGES[mode]!);
      // Accounted for: sent = ok + failed, in requests.csv and summary.json alike; none is the generator's.
      expect(g.requests.total, mode).toBe(measured.length);
      expect(g.requests.ok + g.requests.failed, mode).toBe(g.requests.total);
      expect(g.requests.ok, mode).toBe(measured.filter((r) => r.ok === '1').length);
      expect(g.requests.generatorFailed, mode).toBe(0);
      report.push(
        `${mode.padEnd(24)} ${String(kind ?? 'ok').padEnd(14)} ${measured.length} requests, last ended ${(g.window!.endMs / 1000).toFixed(2)} s`,
      );
    }
    console.log(
      `hostile corpus: run wall time ${(wallMs / 1000).toFixed(1)} s (baseline ${(baseline.wallMs / 1000).toFixed(1)} s)\n${report.join('\n')}`,
    );

    // Served but strange: the megabyte without a space and the 100,000 deltas (each sent to the
    // first request of its mode) were counted whole; the over-long reply reports what it sent.
    const tokens = (mode: string) =>
      rows.filter((r) => r.target === mode && r.phase === 'measure' && r.ok === '1').map((r) => Number(r.output_tokens));
    expect(Math.max(...tokens('no-space-megabyte'))).toBeGreaterThan(500_000);
    expect(Math.max(...tokens('hundred-thousand-deltas'))).toBe(12_500);
    for (const t of tokens('far-too-long')) expect(t).toBe(2000);

    // The healthy target did not notice: no failure, and its TTFT as in the run without the others
    // but for what the generator itself reports as its own delay (counting a megabyte costs a
    // second of CPU, which a machine shared with another test run feels). A frozen loop would
    // show as seconds here and fail the run (INVALID, exit 5); the generator reading in steps of
    // a few ms is tested on its own in generator-trouble.test.ts.
    const h = group('healthy');
    const b = baseline.summary.groups.find((g) => g.target === 'healthy')!;
    const ownDelay = summary.generator.eventLoopDelayMs.p99 ?? 0;
    console.log(
      `healthy TTFT p50 ${h.metrics.ttft.p50} ms beside the corpus, ${b.metrics.ttft.p50} ms alone; generator's event-loop delay p99 ${ownDelay} ms`,
    );
    expect(h.requests.failed).toBe(0);
    expect(h.metrics.ttft.p50!).toBeLessThan(b.metrics.ttft.p50! + ownDelay + 25);
    expect(summary.validity.valid).toBe(true);
  }, 90_000);
});
