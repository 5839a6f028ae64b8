import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { LATENCY_BUCKETS_S } from '../../src/output/live-metrics.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { cliEnv, ensureBuilt, runCli, startCli, waitFor, writeDoc, type CliRun } from '../support/cli-process.js';
import { exclusiveTiming } from '../support/timing-lock.js';

// `bakeoff run --metrics-port`, end to end: a real Prometheus scrapes a real run against the
// embedded mock, and its HTTP API must give back the run's counters and TTFT histogram as
// summary.json has them. Then the flag's failures: a port in use, a bad value.

const PROMETHEUS = findPrometheus();

// findPrometheus is the prometheus binary on PATH (Debian's package: /usr/bin/prometheus), or null.
function findPrometheus(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const path = which.status === 0 ? which.stdout.trim() : '';
  return path && existsSync(path) ? path : null;
}

if (!PROMETHEUS && !process.env.CI)
  console.warn(
    'live-metrics-cli: prometheus is not installed, so the scrape-by-Prometheus test is skipped (CI installs it: apt-get install prometheus, see .ci/run)',
  );

// freePort asks the kernel for a free loopback port.
async function freePort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

// until polls `probe` every 250 ms until it returns a value, at most `ms`.
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('bakeoff run --metrics-port', () => {
  let dir: string;
  let scenario: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-live-'));
    // Two targets told apart by their TTFT, two users each, 1 s of warmup and 10 s measured.
    scenario = await writeDoc(dir, 'live.yaml', {
      name: 'live',
      targets: [
        {
          name: 'near',
          region: 'us-east-1',
          model: 'gpt-4o-mini',
          mock: { rttMs: 0, ttftMs: { dist: 'lognormal', median: 120, sigma: 0.3 }, itlMs: 5 },
        },
        {
          name: 'far',
          region: 'ap-southeast-1',
          model: 'gpt-4o-mini',
          mock: { rttMs: 0, ttftMs: { dist: 'lognormal', median: 300, sigma: 0.3 }, itlMs: 5 },
        },
      ],
      workload: { name: 'chat', promptTokens: 32, maxTokens: 16 },
      load: { concurrency: 2, duration: '10s', warmup: '1s' },
    });
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe.skipIf(!PROMETHEUS)('scraped by a real Prometheus', () => {
    let prometheus: ChildProcess | undefined;
    let prometheusLog = '';
    let cli: CliRun | undefined;

    // biome-ignore lint/suspicious/noDuplicateTestHooks: this hook is the nested describe.skipIf block's own, which Biome does not see as a describe
    afterAll(async () => {
      cli?.child.kill('SIGKILL');
      if (prometheus && prometheus.exitCode === null) {
        const gone = new Promise((r) => prometheus!.once('close', r));
        prometheus.kill('SIGTERM');
        // Bounded: a Prometheus that does not stop in 10 s is killed.
        if ((await Promise.race([gone.then(() => 'gone'), sleep(10_000, 'late')])) === 'late') prometheus.kill('SIGKILL');
      }
    }, 30_000);

    it('Prometheus reads the run: its request counter, its TTFT histogram (labels, counts, p50) and run id, as summary.json has them', async () => {
      const out = join(dir, 'scraped');
      await exclusiveTiming(async () => {
        cli = startCli(['run', scenario, '--quiet', '--out', out, '--metrics-port', '0', '--metrics-linger', '60s'], {
          timeoutMs: 150_000,
        });
        const [, url, metricsPort] = await waitFor(cli.stderr, /metrics: (http:\/\/127\.0\.0\.1:(\d+)\/metrics)\n/, 30_000);
        expect(url).toBeTruthy();

        // Prometheus, as a child process: a temp config scraping the run every second, temp storage, a free port.
        const promPort = await freePort();
        const config = join(dir, 'prometheus.yml');
        await writeFile(
          config,
          [
            'global:',
            '  scrape_interval: 1s',
            '  scrape_timeout: 1s',
            'scrape_configs:',
            '  - job_name: bakeoff',
            '    static_configs:',
            `      - targets: ['127.0.0.1:${metricsPort}']`,
            '',
          ].join('\n'),
        );
        prometheus = spawn(
          PROMETHEUS!,
          [
            `--config.file=${config}`,
            `--storage.tsdb.path=${join(dir, 'tsdb')}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
            '--log.level=warn',
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        prometheus.stdout!.setEncoding('utf8').on('data', (s: string) => (prometheusLog += s));
        prometheus.stderr!.setEncoding('utf8').on('data', (s: string) => (prometheusLog += s));
        const api = `http://127.0.0.1:${promPort}`;
        await until('Prometheus to be ready', 60_000, async () =>
          (await request(`${api}/-/ready`).then(async (r) => {
            await r.body.dump();
            return r.statusCode;
          })) === 200
            ? true
            : undefined,
        );

        const query = async (q: string): Promise<PromSample[]> => {
          const res = await request(`${api}/api/v1/query?${new URLSearchParams({ query: q })}`);
          const body = (await res.body.json()) as { status: string; data: { resultType: string; result: PromSample[] }; error?: string };
          if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
          return body.data.result;
        };
        // The run is scraped while it runs: Prometheus sees the target up.
        await until('a first scrape of the run', 60_000, async () => ((await query('up{job="bakeoff"} == 1')).length ? true : undefined));

        const res = await cli.exited;
        expect(res.code, `${res.stderr}\nprometheus:\n${prometheusLog}`).toBe(ExitCode.Ok);
        const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
        // The run waited for a scrape of its final numbers (--metrics-linger), and got one.
        expect(res.stderr).toContain('metrics: serving the final numbers until the next scrape');
        expect(res.stderr).not.toContain('no scrape within');

        // After the run Prometheus marks the series stale; last_over_time reads their last scraped values.
        const last = (selector: string) => query(`last_over_time(${selector}[5m])`);
        const requests = await last('bakeoff_requests_total{job="bakeoff"}');
        expect(requests.map((s) => [s.metric.target, s.metric.region, s.metric.workload, s.metric.outcome]).sort()).toEqual([
          ['far', 'ap-southeast-1', 'chat', 'ok'],
          ['near', 'us-east-1', 'chat', 'ok'],
        ]);
        for (const s of requests) {
          const g = summary.groups.find((x) => x.scope === 'target' && x.target === s.metric.target)!;
          const scraped = Number(s.value[1]);
          expect(scraped, s.metric.target).toBeGreaterThan(0);
          // A counter equals the run's total when Prometheus kept the final scrape, else trails it
          // by the requests after its last one (a scrape can time out on a loaded machine).
          expect(scraped, s.metric.target).toBeLessThanOrEqual(g.requests.total);
          expect(scraped, s.metric.target).toBeGreaterThanOrEqual(g.requests.total / 2);
        }

        for (const target of ['near', 'far']) {
          const g = summary.groups.find((x) => x.scope === 'target' && x.target === target)!;
          const [count] = await last(`bakeoff_ttft_seconds_count{job="bakeoff",target="${target}"}`);
          expect(count?.metric, target).toMatchObject({
            target,
            region: target === 'near' ? 'us-east-1' : 'ap-southeast-1',
            workload: 'chat',
            job: 'bakeoff',
          });
          expect(Number(count!.value[1]), target).toBeGreaterThan(0);
          expect(Number(count!.value[1]), target).toBeLessThanOrEqual(g.metrics.ttft!.count);
          // p50 by histogram_quantile lands within a bucket of the summary's HDR p50 (the buckets are the resolution).
          const [q] = await query(
            `histogram_quantile(0.5, sum by (le) (last_over_time(bakeoff_ttft_seconds_bucket{job="bakeoff",target="${target}"}[5m])))`,
          );
          const p50 = g.metrics.ttft!.p50! / 1000;
          const estimate = Number(q!.value[1]);
          const bucketOf = (v: number) => LATENCY_BUCKETS_S.findIndex((b) => v <= b);
          const lo = bucketOf(p50 * 0.99);
          const hi = bucketOf(p50 * 1.01);
          expect(estimate, `${target}: histogram_quantile ${estimate} s vs summary p50 ${p50} s`).toBeGreaterThanOrEqual(
            lo > 0 ? LATENCY_BUCKETS_S[lo - 1]! : 0,
          );
          expect(estimate, `${target}: histogram_quantile ${estimate} s vs summary p50 ${p50} s`).toBeLessThanOrEqual(
            LATENCY_BUCKETS_S[hi + 1 < LATENCY_BUCKETS_S.length ? hi + 1 : hi]!,
          );
        }

        const [info] = await last('bakeoff_run_info{job="bakeoff"}');
        expect(info?.metric).toMatchObject({ scenario: 'live', run_id: summary.runId });
        // Requests were in flight while Prometheus watched (two users per target).
        const [inFlight] = await query('max(max_over_time(bakeoff_requests_in_flight{job="bakeoff"}[5m]))');
        expect(Number(inFlight!.value[1])).toBeGreaterThanOrEqual(1);
      }, 60_000);
    }, 180_000);
  });

  it.runIf(!PROMETHEUS && process.env.CI)('Prometheus is installed in CI (.ci/run installs it)', () => {
    expect.fail('prometheus is not on PATH; .ci/run should have installed the Debian package');
  });

  it('a metrics port in use: one line naming the flag, exit 2, before anything is written or sent', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const out = join(dir, 'in-use');
    try {
      const res = await runCli(['run', scenario, '--quiet', '--out', out, '--metrics-port', String(port)], {
        env: cliEnv(),
        timeoutMs: 60_000,
      });
      expect(res.code, res.stderr).toBe(ExitCode.InvalidInput);
      const errors = res.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toEqual([
        `error: --metrics-port ${port}: 127.0.0.1:${port} is in use; pick another port, or --metrics-port 0 for a free one`,
      ]);
      expect(res.stderr).not.toContain('run live');
      expect(existsSync(out)).toBe(false);
    } finally {
      taken.close();
    }
  }, 90_000);

  it.each([
    [['--metrics-port', 'http'], '--metrics-port: "http" is not a port number'],
    [['--metrics-port', '70000'], '--metrics-port: "70000" is not a port number'],
    [['--metrics-port', '0', '--metrics-linger', '15'], '--metrics-linger: "15" is not a duration'],
    [['--metrics-linger', '5s'], '--metrics-linger needs --metrics-port'],
  ])(
    '%j: refused with exit 2, naming the flag',
    async (flags, message) => {
      const res = await runCli(['run', scenario, '--quiet', '--out', join(dir, 'bad-flag'), ...flags], {
        env: cliEnv(),
        timeoutMs: 60_000,
      });
      expect(res.code, res.stderr).toBe(ExitCode.InvalidInput);
      expect(res.stderr).toContain(message);
      expect(existsSync(join(dir, 'bad-flag'))).toBe(false);
    },
    60_000,
  );
});
