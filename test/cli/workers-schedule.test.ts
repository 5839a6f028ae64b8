import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, startMockProcess, writeDoc, type MockProcess } from '../support/cli-process.js';

// Worker threads start their load on one instant, picked by the parent once all are ready: the
// merged schedule of `--workers 2` is the one-thread schedule arrival for arrival. Each run's
// scheduled times are compared from its start (run.json's startedAtMs, a whole millisecond on the
// run clock), in integer microseconds, so two runs of one seed must agree exactly.

let dir: string;
let mock: MockProcess;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'bakeoff-workers-schedule-'));
  mock = await startMockProcess({ ttftMs: 5, itlMs: 1, rttMs: 1 });
}, 130_000);
afterAll(async () => {
  await mock?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Schedule {
  /** Every row's scheduled time from the load's start, µs, sorted (warmup and measured). */
  offsetsUs: number[];
  rows: Record<string, string>[];
  startedAtMs: number;
}

// scheduleOf runs an open-loop scenario with --workers n and reads its schedule back. No arrival
// may be dropped for the generator's lateness (maxDispatchLag 0s: no limit), so every scheduled
// arrival is a row even on a loaded machine.
async function scheduleOf(name: string, doc: { load: Record<string, unknown>; seed: number }, workers: number): Promise<Schedule> {
  const file = await writeDoc(dir, `${name}-w${workers}.yaml`, {
    name,
    seed: doc.seed,
    targets: [target('m')],
    workload: WORKLOAD,
    load: { ...doc.load, maxDispatchLag: '0s' },
  });
  const out = join(dir, `${name}-w${workers}`);
  const r = await runCli(['run', file, '--quiet', '--workers', String(workers), '--out', out], { timeoutMs: 60_000 });
  // On a loaded machine the generator may be judged too slow for its latencies (exit 5, invalid): the
  // schedule, which is what is compared here, is the same either way.
  expect([0, 5], r.stderr).toContain(r.code);
  if (workers > 1) expect(r.stderr).toMatch(new RegExp(`${workers} worker threads`));
  const rows = parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  const { startedAtMs } = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { startedAtMs: number };
  const us = (ms: string | number) => Math.round(Number(ms) * 1000);
  const offsetsUs = rows.map((row) => us(row.scheduled_ms!) - us(startedAtMs)).sort((a, b) => a - b);
  return { offsetsUs, rows, startedAtMs };
}

const target = (name: string) => ({ name, provider: 'openai', model: 'gpt-4o-mini', baseUrl: mock.baseUrl });
const WORKLOAD = { promptTokens: 20, maxTokens: 4, stream: true };

// Coefficient of variation of the gaps between consecutive arrivals: 1 for a Poisson process.
function gapCv(offsetsUs: number[]): number {
  const gaps = offsetsUs.slice(1).map((t, i) => t - offsetsUs[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  return sd / mean;
}

describe('--workers 2 sends the one-thread schedule, arrival for arrival', () => {
  it('constant rate: the same scheduled times, every gap the rate’s', async () => {
    const load = { load: { rate: 400, duration: '1s', warmup: '250ms' }, seed: 3 };
    // Side by side: the schedule does not depend on how busy the machine is.
    const [one, two] = await Promise.all([scheduleOf('constant', load, 1), scheduleOf('constant', load, 2)]);
    expect(one.offsetsUs.length).toBeGreaterThan(450);
    expect(two.offsetsUs).toEqual(one.offsetsUs);
    // 2.5 ms apart, not pairs 0.5 ms and 4.5 ms apart (two halves laid on different origins).
    expect(new Set(two.offsetsUs.slice(1).map((t, i) => t - two.offsetsUs[i]!))).toEqual(new Set([2500]));
    expect(Number.isInteger(two.startedAtMs)).toBe(true);
  }, 60_000);

  it('poisson arrivals: the same scheduled times, and the merged gaps are a Poisson process’s (CV ≈ 1)', async () => {
    const load = { load: { rate: 700, duration: '1.6s', arrivals: 'poisson' }, seed: 11 };
    // Side by side: the schedule does not depend on how busy the machine is.
    const [one, two] = await Promise.all([scheduleOf('poisson', load, 1), scheduleOf('poisson', load, 2)]);
    expect(one.offsetsUs.length).toBeGreaterThan(1000);
    expect(two.offsetsUs).toEqual(one.offsetsUs);
    const [cv1, cv2] = [gapCv(one.offsetsUs), gapCv(two.offsetsUs)];
    expect(cv1).toBeGreaterThan(0.9);
    expect(cv1).toBeLessThan(1.1);
    expect(cv2).toBeGreaterThan(0.9);
    expect(cv2).toBeLessThan(1.1);
  }, 60_000);

  it('ramping rate: the same scheduled times', async () => {
    const load = {
      load: {
        rate: 50,
        stages: [
          { duration: '600ms', rate: 400 },
          { duration: '600ms', rate: 100 },
        ],
        arrivals: 'poisson',
      },
      seed: 5,
    };
    // Side by side: the schedule does not depend on how busy the machine is.
    const [one, two] = await Promise.all([scheduleOf('ramp', load, 1), scheduleOf('ramp', load, 2)]);
    expect(one.offsetsUs.length).toBeGreaterThan(150);
    expect(two.offsetsUs).toEqual(one.offsetsUs);
  }, 60_000);

  it('trace replay: the same scheduled times, each the trace’s offset from the start', async () => {
    // A bursty trace: 500 arrivals over ~1.5 s at microsecond offsets.
    let t = 0;
    const offsets: number[] = [];
    for (let k = 0; k < 500; k++) offsets.push((t += ((k * 7919) % 11) * 0.557 + 0.111));
    const lines = offsets.map((o) =>
      JSON.stringify({ offsetMs: Math.round(o * 1000) / 1000, inputTokens: 20 + (k3(o) % 40), maxTokens: 4 }),
    );
    await writeFile(join(dir, 'trace.jsonl'), `${lines.join('\n')}\n`);
    const load = { load: { trace: { file: 'trace.jsonl' } }, seed: 7 };
    // Side by side: the schedule does not depend on how busy the machine is.
    const [one, two] = await Promise.all([scheduleOf('trace', load, 1), scheduleOf('trace', load, 2)]);
    expect(two.offsetsUs).toEqual(one.offsetsUs);
    const first = Math.round(offsets[0]! * 1000);
    expect(one.offsetsUs).toEqual(offsets.map((o) => Math.round(o * 1000) - first));
  }, 60_000);

  it('closed loop: every user of every target and worker sends its first request on the one start instant', async () => {
    const file = await writeDoc(dir, 'closed.yaml', {
      name: 'closed',
      seed: 2,
      targets: [target('a'), target('b')],
      workload: WORKLOAD,
      load: { concurrency: 4, requests: 40 },
    });
    const out = join(dir, 'closed-w2');
    const r = await runCli(['run', file, '--quiet', '--workers', '2', '--out', out], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 worker threads/);
    const rows = parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const { startedAtMs } = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { startedAtMs: number };
    for (const name of ['a', 'b']) {
      const times = rows.filter((row) => row.target === name).map((row) => Number(row.scheduled_ms));
      // 4 users per target, 2 in each worker: each one's first request is scheduled on the start.
      expect(times.filter((x) => x === startedAtMs).length, name).toBe(4);
      expect(Math.min(...times)).toBe(startedAtMs);
    }
  }, 60_000);
});

// A deterministic small number from an offset: varied prompt sizes in the trace.
function k3(x: number): number {
  return Math.floor(x * 1000) % 97;
}
