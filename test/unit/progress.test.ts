import { describe, expect, it } from 'vitest';
import { Progress, progressBlock, progressLine, PROGRESS_COLUMNS, type ProgressSnapshot } from '../../src/output/progress.js';
import { newResult, routeOutcome, type AttemptResult, type RequestResult } from '../../src/metrics/request-result.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';
import { redrawBlock } from '../../src/cli/io.js';

let id = 0;
function result(target: string, errorKind: ErrorKind | null = null, phase: 'measure' | 'warmup' = 'measure'): AttemptResult {
  const r = newResult({
    id: id++,
    phase,
    target,
    region: 'r',
    provider: 'mock',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: 0,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 10,
  });
  r.errorKind = errorKind;
  return r;
}

// A Progress on a clock the test moves.
function driven(opts: ConstructorParameters<typeof Progress>[1] = {}) {
  let now = 0;
  const shown: string[] = [];
  const p = new Progress({ show: (t) => void shown.push(t), everyMs: 1000 }, { ...opts, now: () => now });
  p.start({ originEpochMs: 0, startedAtMs: 0 });
  return { p, shown, at: (ms: number) => void (now = ms) };
}

describe('Progress counts', () => {
  it('shows requests in flight and a live TTFT before any request has ended', () => {
    const { p, at } = driven({ targets: ['a'] });
    for (let k = 0; k < 3; k++) p.inFlight('a', 1);
    p.firstToken('a', 1000);
    p.firstToken('a', 1010);
    at(1000);
    const s = p.snapshot();
    expect(s.total).toMatchObject({ sent: 3, inFlight: 3, ok: 0, failed: 0 });
    expect(s.total.ttftP50Ms).toBeGreaterThanOrEqual(999);
    expect(s.total.ttftP50Ms).toBeLessThan(1002);
    expect(s.targets[0]).toMatchObject({ target: 'a', sent: 3, inFlight: 3 });
    expect(progressLine(s)).toContain('in flight 3');
    expect(progressLine(s)).toMatch(/TTFT p50 1,0\d\dms p99 1,01\dms/);
  });

  it('before the first token the TTFT is —; a request that came back leaves flight', () => {
    const { p, at } = driven({ targets: ['a'] });
    p.inFlight('a', 1);
    p.inFlight('a', -1);
    p.add(result('a'));
    at(2000);
    const s = p.snapshot();
    expect(s.total).toMatchObject({ sent: 1, inFlight: 0, ok: 1, ttftP50Ms: null });
    expect(progressLine(s)).toContain('TTFT p50 — p99 —');
  });

  it('sent is what came back and what is in flight: a worker batch that netted a request to no in-flight change counts it', () => {
    const { p } = driven({ targets: ['a'] });
    p.inFlight('a', 1);
    p.add(result('a'));
    p.add(result('a', null, 'warmup'));
    expect(p.snapshot().targets[0]).toMatchObject({ sent: 3, inFlight: 1, ok: 1 });
  });

  it("counts ok, the target's failures and the generator's apart, warmup aside, and a rate since the last snapshot", () => {
    const { p, at } = driven({ targets: ['a', 'b'] });
    p.add(result('a'));
    p.add(result('a'));
    p.add(result('b', 'http_5xx'));
    p.add(result('b', 'local_resource'));
    p.add(result('a', null, 'warmup'));
    at(2000);
    const s = p.snapshot();
    expect(s.total).toMatchObject({ ok: 2, failed: 1 });
    expect(s.total.reqPerSec).toBeCloseTo(2, 5);
    expect(s).toMatchObject({ done: 4, generatorFailed: 1, warmup: 1 });
    expect(s.targets.map((t) => [t.target, t.ok, t.failed])).toEqual([
      ['a', 2, 0],
      ['b', 0, 1],
    ]);
    at(3000);
    expect(p.snapshot().total.reqPerSec).toBe(0);
  });

  it("a failover route's attempts count on their targets' lines, its outcome once in the totals", () => {
    const { p } = driven({ targets: ['primary', 'fallback'] });
    const first = Object.assign(result('primary', 'http_5xx'), { route: 'r' });
    const second = Object.assign(result('fallback'), { route: 'r', attempt: 2 });
    const outcome = routeOutcome(second, {
      id: id++,
      target: 'r',
      region: '',
      provider: 'route',
      route: 'r',
      scheduledAtMs: 0,
      sentAtMs: 0,
      queuedMs: 0,
      attempts: 2,
      servedBy: 'fallback',
      timeLostMs: 20,
      failoverMs: 30,
    });
    for (const r of [first, second, outcome] as RequestResult[]) p.add(r);
    const s = p.snapshot();
    expect(s.total).toMatchObject({ ok: 1, failed: 0 });
    expect(s.targets.map((t) => [t.target, t.ok, t.failed])).toEqual([
      ['primary', 0, 1],
      ['fallback', 1, 0],
    ]);
  });

  it('the plan: elapsed against its length and the time left, or the requests done against the planned', () => {
    const timed = driven({ plan: { durationMs: 15_000 } });
    timed.at(12_000);
    const t = timed.p.snapshot();
    expect(t.etaMs).toBe(3000);
    expect(progressLine(t)).toMatch(/^12\.0s of 15s {2}ETA 3s {2}sent 0/);
    const counted = driven({ plan: { requests: 100 } });
    for (let k = 0; k < 25; k++) counted.p.add(result('a'));
    counted.at(10_000);
    const c = counted.p.snapshot();
    expect(c.etaMs).toBe(30_000);
    expect(progressLine(c)).toMatch(/^10\.0s {2}25 of 100 requests {2}ETA 30s/);
  });

  it('the spend: what each result billed, from the meter made at the start on the run clock, against the cap', () => {
    const origins: number[] = [];
    let charged = 0;
    const { p } = driven({
      spend: (origin) => {
        origins.push(origin);
        return { charge: () => void charged++, spentUsd: () => charged * 0.0125, maxUsd: 5 };
      },
    });
    p.add(result('a'));
    p.add(result('a'));
    expect(origins).toEqual([0]);
    expect(progressLine(p.snapshot())).toContain('spent $0.0250 of $5.00');
  });

  it('shows every period while running, and clears the view on stop', async () => {
    const shown: string[] = [];
    let cleared = 0;
    const p = new Progress({ show: (t) => void shown.push(t), clear: () => void cleared++, everyMs: 5 });
    p.start();
    p.inFlight('a', 1);
    await new Promise((r) => setTimeout(r, 60));
    p.stop();
    const after = shown.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(after).toBeGreaterThan(0);
    expect(shown.length).toBe(after);
    expect(shown[0]).toContain('in flight 1');
    expect(cleared).toBe(1);
  });
});

const line = (target: string, over: Partial<ProgressSnapshot['total']> = {}) => ({
  target,
  sent: 1234,
  inFlight: 24,
  ok: 1200,
  failed: 3,
  reqPerSec: 98.06,
  ttftP50Ms: 812.4,
  ttftP99Ms: 1204.2,
  ...over,
});

function snapshot(over: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    elapsedMs: 12_000,
    plan: { durationMs: 15_000 },
    done: 1203,
    etaMs: 3000,
    total: line('total'),
    generatorFailed: 0,
    warmup: 0,
    spentUsd: null,
    targets: [line('us-east')],
    ...over,
  };
}

describe('progress rendering', () => {
  it('off a terminal: one plain line of totals, in a stable format', () => {
    expect(progressLine(snapshot())).toBe(
      '12.0s of 15s  ETA 3s  sent 1,234  in flight 24  ok 1,200  failed 3  98.1 req/s  TTFT p50 812ms p99 1,204ms',
    );
    expect(progressLine(snapshot({ plan: {}, etaMs: null, spentUsd: 1.5, maxUsd: 5, warmup: 16, generatorFailed: 2 }))).toBe(
      '12.0s  sent 1,234  in flight 24  ok 1,200  failed 3  98.1 req/s  TTFT p50 812ms p99 1,204ms  spent $1.50 of $5.00  +16 warmup  ' +
        "2 failed on the generator's side",
    );
  });

  it('on a terminal: a header, a line per target with its live TTFT, and their total', () => {
    const block = progressBlock(
      snapshot({ targets: [line('us-east'), line('eu-west', { inFlight: 0, ttftP50Ms: null, ttftP99Ms: null })], spentUsd: 0.0123 }),
    );
    expect(block).toEqual([
      '12.0s of 15s  ETA 3s  spent $0.0123',
      'target     sent  in flight      ok  failed   req/s  TTFT p50  TTFT p99',
      'us-east   1,234         24   1,200       3    98.1     812ms   1,204ms',
      'eu-west   1,234          0   1,200       3    98.1         —         —',
      'total     1,234         24   1,200       3    98.1     812ms   1,204ms',
    ]);
  });

  it('every line of the block fits 80 columns, however long the names and numbers', () => {
    const huge = { sent: 12_345_678, inFlight: 123_456, ok: 12_345_678, failed: 1_234_567, reqPerSec: 123_456.7, ttftP99Ms: 1_234_567 };
    const block = progressBlock(
      snapshot({
        targets: [line('a-very-long-target-name-in-a-far-away-region', huge)],
        total: line('total', huge),
        spentUsd: 1234.5,
        maxUsd: 5000,
        warmup: 123_456,
        generatorFailed: 123_456,
        plan: { requests: 12_345_678 },
      }),
    );
    for (const l of block) expect(l.length, l).toBeLessThanOrEqual(PROGRESS_COLUMNS);
    expect(block.some((l) => /^a-ve\S*… /.test(l))).toBe(true);
  });

  it('a Progress on a terminal view shows the block, off one the line', () => {
    const tty = new Progress({ show: () => undefined, everyMs: 1000, redraws: true }, { targets: ['a', 'b'] });
    expect(tty.render().split('\n')).toHaveLength(5);
    const log = new Progress({ show: () => undefined, everyMs: 1000 }, { targets: ['a', 'b'] });
    expect(log.render().split('\n')).toHaveLength(1);
  });
});

describe('the block on a terminal', () => {
  const ERASE = '\r\x1b[2K';
  const UP = '\x1b[1A\x1b[2K';

  it('is redrawn over the lines it showed: erase the last, then each above, then the new lines, cut to the width', () => {
    const first = redrawBlock(0, 'a\nb\nc', 80);
    expect(first).toEqual({ text: `${ERASE}a\nb\nc`, lines: 3 });
    const second = redrawBlock(first.lines, 'x\n0123456789', 8);
    expect(second).toEqual({ text: `${ERASE}${UP}${UP}x\n0123456`, lines: 2 });
    expect(redrawBlock(second.lines, '', 80)).toEqual({ text: `${ERASE}${UP}`, lines: 0 });
  });
});
