import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { contentChunk, sseData, sseHeaders, startStubServer, type StubServer } from '../support/stub-server.js';

// Goodput end to end (docs/metrics.md#goodput): a server whose every 10th request takes 800 ms to
// its first token (the others 100 ms), judged with `goodput: { ttft: 500ms }`. The bound sits far
// from both delays, so a loaded machine cannot move a request across it: the ratio is 0.90, the
// threshold `goodput > 95%` breaches (exit 3), and requests.csv's slo_met is 0 on exactly the rows
// the server slowed (it reads our row id from the client request id header).

const SLOW_EVERY = 10;
const REQUESTS = 100;

describe('bakeoff run: goodput', () => {
  let dir: string;
  let stub: StubServer;
  const slowRows = new Set<string>();
  let seen = 0;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-goodput-'));
    stub = await startStubServer((req, res) => {
      seen++;
      const slow = seen % SLOW_EVERY === 0;
      // `<run id>-<row id>`: the row of requests.csv this request became.
      const row =
        String(req.headers['x-client-request-id'] ?? '')
          .split('-')
          .pop() ?? '';
      if (slow) slowRows.add(row);
      sseHeaders(res);
      setTimeout(
        () => {
          sseData(res, contentChunk('a', null, 'assistant'));
          sseData(res, contentChunk(' b'));
          sseData(res, contentChunk(' c', 'stop'));
          sseData(res, '[DONE]');
          res.end();
        },
        slow ? 800 : 100,
      );
    });
  }, 130_000);

  afterAll(async () => {
    await stub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`every 10th first token at 800 ms: ratio 0.90, "goodput > 95%" exits ${ExitCode.ThresholdsBreached}, slo_met row by row`, async () => {
    const out = join(dir, 'out');
    const scenario = await writeDoc(dir, 'goodput.yaml', {
      name: 'goodput',
      targets: [{ name: 'spiky', baseUrl: stub.baseUrl, model: 'stub', clientRequestIdHeader: 'x-client-request-id' }],
      workload: { promptTokens: 16, maxTokens: 8 },
      load: { concurrency: 10, requests: REQUESTS },
      goodput: { ttft: '500ms' },
      thresholds: ['goodput > 95%'],
    });
    const res = await runCli(['run', scenario, '--quiet', '--out', out], { timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(ExitCode.ThresholdsBreached);
    expect(res.stdout).toMatch(/^goodput > 95%\s+target spiky\s+9\d\.\d%\s+FAIL$/m);
    expect(res.stdout).toMatch(/SLO met %/);

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const g = summary.groups.find((x) => x.key === 'spiky')!;
    expect(g.requests).toMatchObject({ total: REQUESTS, ok: REQUESTS });
    expect(g.goodput!.total).toBe(REQUESTS);
    expect(Math.abs(g.goodput!.ratio! - 0.9)).toBeLessThanOrEqual(0.02);
    expect(g.goodput!.byBound).toEqual({ ttft: g.goodput!.ratio });
    expect(summary.decision!.rows[0]).toMatchObject({ target: 'spiky', sloMet: g.goodput!.ratio, meetsSlo: false });

    const rows = parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const measured = rows.filter((r) => r.phase === 'measure');
    expect(measured).toHaveLength(REQUESTS);
    for (const r of measured) {
      const slowed = slowRows.has(r.id!);
      expect([r.id, r.slo_met, r.slo_missed]).toEqual([r.id, slowed ? '0' : '1', slowed ? 'ttft' : '']);
    }
    expect(measured.filter((r) => r.slo_met === '1').length / REQUESTS).toBe(g.goodput!.ratio);
  });
});
