import { describe, expect, it } from 'vitest';
import {
  boundBit,
  goodputPlanOf,
  goodputSummary,
  mergeGoodput,
  missedText,
  sloVerdict,
  SLO_FAILED,
  type GoodputPlan,
} from '../../src/metrics/goodput.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { REQUEST_COLUMNS, requestRow } from '../../src/output/requests-csv.js';
import type { GoodputBlock } from '../../src/scenario/goodput-bounds.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { parseThreshold } from '../../src/scenario/threshold.js';
import { decide } from '../../src/analysis/decision.js';
import { compareRuns, DEFAULT_COMPARE_OPTIONS } from '../../src/summary/compare.js';
import { groupOf, runOf, SIDES } from '../support/compare-fixtures.js';

// One request's goodput verdict (metrics/goodput.ts), made once and read by the recorder and by
// requests.csv; the block's validation; a group's tally and its merge; the decision; compare.

// A streamed reply: first token at `ttft` ms after its schedule, then `gaps` between tokens, ending at the last one.
function reply(o: {
  ttft?: number | null;
  gaps?: number[];
  error?: boolean;
  workload?: string;
  phase?: 'warmup' | 'measure';
}): RequestResult {
  const r = newResult({
    id: 1,
    phase: o.phase ?? 'measure',
    target: 't',
    region: '',
    provider: 'mock',
    model: 'm',
    workload: o.workload ?? 'default',
    turn: 1,
    step: '',
    scheduledAtMs: 1000,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 8,
  });
  const ttft = o.ttft === undefined ? 100 : o.ttft;
  const gaps = o.gaps ?? [10, 10, 10];
  r.status = o.error ? 500 : 200;
  r.errorKind = o.error ? 'http_5xx' : null;
  r.firstTokenAtMs = ttft === null ? null : 1000 + ttft;
  r.firstContentAtMs = r.firstTokenAtMs;
  r.itlMs = gaps;
  r.outputTokens = ttft === null ? 0 : gaps.length + 1;
  r.endAtMs = 1000 + (ttft ?? 0) + gaps.reduce((a, b) => a + b, 0);
  return r;
}

const plan = (block: Omit<GoodputBlock, 'attainment'>, attainment = 0.99): GoodputPlan =>
  goodputPlanOf({ goodput: { ...block, attainment }, workloads: [{ name: 'default' }] })!;

describe('sloVerdict: a request is good when it succeeded and met every bound named', () => {
  it.each<{ name: string; r: RequestResult; block: Omit<GoodputBlock, 'attainment'>; missed: string }>([
    { name: 'every bound met', r: reply({}), block: { ttft: 500, e2e: 1000, tpot: 20, itlMax: 50 }, missed: '' },
    { name: 'met at equality', r: reply({ ttft: 500 }), block: { ttft: 500 }, missed: '' },
    { name: 'slow first token', r: reply({ ttft: 800 }), block: { ttft: 500 }, missed: 'ttft' },
    { name: 'slow first token and end', r: reply({ ttft: 800 }), block: { ttft: 500, e2e: 600 }, missed: 'ttft;e2e' },
    { name: 'one long gap', r: reply({ gaps: [5, 90, 5] }), block: { itlMax: 50 }, missed: 'itlMax' },
    { name: 'slow tokens on average', r: reply({ gaps: [40, 40, 40] }), block: { tpot: 30 }, missed: 'tpot' },
    { name: 'ttfc missed with ttft', r: reply({ ttft: 700 }), block: { ttfc: 600, ttft: 600 }, missed: 'ttft;ttfc' },
    { name: 'a one-token reply has no TPOT nor gap to miss', r: reply({ gaps: [] }), block: { tpot: 1, itlMax: 1 }, missed: '' },
    { name: 'a success with no token misses ttft', r: reply({ ttft: null, gaps: [] }), block: { ttft: 500 }, missed: 'ttft' },
    { name: 'a failure is never good, however fast', r: reply({ ttft: 1, error: true }), block: { ttft: 500 }, missed: 'failed' },
  ])('$name', ({ r, block, missed }) => {
    const v = sloVerdict(r, plan(block));
    expect(v).not.toBeNull();
    expect(missedText(v!)).toBe(missed);
    expect(v === 0).toBe(missed === '');
    const row = requestRow(r, plan(block));
    expect(row[REQUEST_COLUMNS.indexOf('slo_met')]).toBe(missed === '' ? 1 : 0);
    expect(row[REQUEST_COLUMNS.indexOf('slo_missed')]).toBe(missed);
  });

  it('is not judged without a plan, in warmup, for a generator failure, or for a workload without bounds', () => {
    const p = plan({ ttft: 500 });
    expect(sloVerdict(reply({}), null)).toBeNull();
    expect(sloVerdict(reply({ phase: 'warmup' }), p)).toBeNull();
    const own = reply({ error: true });
    own.errorKind = 'aborted';
    expect(sloVerdict(own, p)).toBeNull();
    const mixed = goodputPlanOf({ workloads: [{ name: 'chat', goodput: { ttft: 500, attainment: 0.95 } }, { name: 'batch' }] })!;
    expect(sloVerdict(reply({ workload: 'batch' }), mixed)).toBeNull();
    expect(sloVerdict(reply({ workload: 'chat', ttft: 800 }), mixed)).toBe(boundBit('ttft'));
    expect(mixed.attainment).toBe(0.95);
    expect(requestRow(reply({}))[REQUEST_COLUMNS.indexOf('slo_met')]).toBe('');
  });

  it("a workload's block replaces the scenario's for its requests", () => {
    const p = goodputPlanOf({
      goodput: { ttft: 600, attainment: 0.99 },
      workloads: [{ name: 'short' }, { name: 'long', goodput: { ttft: 1200, attainment: 0.9 } }],
    })!;
    expect(sloVerdict(reply({ workload: 'short', ttft: 800 }), p)).toBe(boundBit('ttft'));
    expect(sloVerdict(reply({ workload: 'long', ttft: 800 }), p)).toBe(0);
    expect(p.attainment).toBe(0.99);
    expect(p.bounds).toEqual(['ttft']);
  });

  it('the failure bit stands alone', () => {
    expect(sloVerdict(reply({ error: true, ttft: 900 }), plan({ ttft: 500 }))).toBe(SLO_FAILED);
  });
});

describe('goodput per group', () => {
  it('counts good, judged and per-bound requests: 9 fast, 1 slow, 2 failed, 1 generator failure', () => {
    const rec = new Recorder({ goodput: plan({ ttft: 500, e2e: 700 }, 0.9) });
    rec.declare({ target: 't', region: '', provider: 'mock', model: 'm' });
    for (let i = 0; i < 9; i++) rec.add(reply({}));
    rec.add(reply({ ttft: 800 }));
    rec.add(reply({ error: true }));
    rec.add(reply({ error: true }));
    const own = reply({ error: true });
    own.errorKind = 'aborted';
    rec.add(own);
    const g = summarizeGroup(rec.targetGroup('t')!);
    expect(g.requests.total).toBe(12);
    expect(g.goodput).toMatchObject({ good: 9, total: 12, ratio: 0.75, attainment: 0.9, met: { ttft: 9, e2e: 9 } });
    expect(g.goodput!.byBound).toEqual({ ttft: 0.75, e2e: 0.75 });
    expect(g.goodput!.perSec).not.toBeNull();
    const merged = mergeGoodput([g.goodput, g.goodput]);
    expect(merged).toMatchObject({ good: 18, total: 24, ratio: 0.75, met: { ttft: 18, e2e: 18 } });
  });

  it('a target that was never judged reports 0 of 0 and a null ratio; no goodput block, no goodput', () => {
    const rec = new Recorder({ goodput: plan({ ttft: 500 }) });
    rec.declare({ target: 't', region: '', provider: 'mock', model: 'm' });
    expect(summarizeGroup(rec.targetGroup('t')!).goodput).toMatchObject({ good: 0, total: 0, ratio: null, perSec: null });
    const plain = new Recorder();
    plain.add(reply({}));
    expect(summarizeGroup(plain.targetGroup('t')!).goodput).toBeUndefined();
  });
});

describe('goodput: block validation', () => {
  const doc = (top: Record<string, unknown>) => ({
    name: 'gp',
    targets: [{ name: 'a', model: 'm', mock: {} }],
    load: { concurrency: 1, requests: 1 },
    ...top,
  });
  const problemsOf = (top: Record<string, unknown>) => {
    const v = validateScenario(doc(top));
    return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('reads durations in ms, a percentage as a fraction, itl-max as itlMax, and defaults attainment to 99%', () => {
    const v = validateScenario(
      doc({ goodput: { ttft: '600ms', 'itl-max': '0.2s', e2e: '5s' }, workload: { goodput: { tpot: '50ms', attainment: '99.9%' } } }),
    );
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.scenario.goodput).toEqual({ ttft: 600, itlMax: 200, e2e: 5000, attainment: 0.99 });
    expect(v.scenario.workloads[0]!.goodput).toEqual({ tpot: 50, attainment: 0.999 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no bound', { goodput: { attainment: '99%' } }, /^goodput: names no bound; give one or more of ttft, ttfc, itlMax, tpot, e2e/],
    ['attainment as a fraction', { goodput: { ttft: '1s', attainment: 0.99 } }, /^goodput\.attainment: .*write the share with %/],
    ['attainment over 100%', { goodput: { ttft: '1s', attainment: '120%' } }, /^goodput\.attainment: .*at most 100%/],
    ['a bare number bound', { goodput: { ttft: 600 } }, /^goodput\.ttft: expected a duration string/],
    ['a zero bound', { goodput: { e2e: '0ms' } }, /^goodput\.e2e: a bound of 0 can never be met/],
    ['itlMax twice', { goodput: { itlMax: '1s', 'itl-max': '1s' } }, /^goodput\.itl-max: is itlMax written again/],
    ['an unknown bound', { goodput: { p99: '1s' } }, /^goodput\.p99: unknown key/],
    ['goodput threshold without a block', { thresholds: ['goodput > 95%'] }, /^thresholds\[0\]: goodput > 95% reads the goodput: block/],
    ['goodput slo without a block', { slo: ['goodput >= 99%'] }, /^slo\[0\]: goodput >= 99% reads the goodput: block/],
    ['goodput written as a fraction', { goodput: { ttft: '1s' }, thresholds: ['goodput > 0.95'] }, /write e\.g\. "goodput >= 99%"/],
  ])('%s', (_, top, message) => {
    expect(
      problemsOf(top).some((p) => message.test(p)),
      problemsOf(top).join('\n'),
    ).toBe(true);
  });
});

describe('goodput thresholds', () => {
  it.each<[string, unknown]>([
    ['goodput > 95%', { subject: { kind: 'goodput' }, op: '>', value: 0.95 }],
    ['goodput >= 99.9%', { subject: { kind: 'goodput' }, op: '>=', value: 0.999 }],
    ['goodput_rate > 10/s', { subject: { kind: 'goodputRate' }, op: '>', value: 10 }],
    ['goodputRate >= 2', { subject: { kind: 'goodputRate' }, op: '>=', value: 2 }],
  ])('%s', (text, parsed) => {
    expect(parseThreshold(text)).toMatchObject(parsed as object);
  });

  it.each(['goodput > 0.95', 'goodput.p99 > 95%', 'goodput_rate > 10%', 'goodput_rate > 10ms'])('%s is refused, naming the fix', (text) => {
    expect(parseThreshold(text)).toMatchObject({ error: expect.stringMatching(/write e\.g\./) });
  });
});

describe('the decision holds each target to ratio ≥ attainment', () => {
  it('a target under the attainment misses "goodput >= 90%", one above meets it; without a block nothing changes', () => {
    const rec = new Recorder({ goodput: plan({ ttft: 500 }, 0.9) });
    for (const [target, slow] of [
      ['steady', 0],
      ['spiky', 3],
    ] as const) {
      rec.declare({ target, region: '', provider: 'mock', model: 'm' });
      for (let i = 0; i < 10; i++) {
        const r = reply({ ttft: i < slow ? 800 : 100 });
        r.target = target;
        rec.add(r);
      }
    }
    const groups = [...rec.groups.values()].map((g) => summarizeGroup(g));
    const d = decide(groups, ['errorRate < 1%']);
    expect(d.slo).toEqual(['errorRate < 1%', 'goodput >= 90%']);
    expect(d.rows.map((r) => [r.target, r.sloMet, r.meetsSlo, r.failed.map((c) => c.threshold)])).toEqual([
      ['steady', 1, true, []],
      ['spiky', 0.7, false, ['goodput >= 90%']],
    ]);
    expect(decide(groups, ['goodput >= 90%']).slo).toEqual(['goodput >= 90%']);
    const plain = new Recorder();
    plain.add(reply({}));
    const row = decide([...plain.groups.values()].map((g) => summarizeGroup(g))).rows[0]!;
    expect(row).not.toHaveProperty('sloMet');
  });
});

describe('compare: goodput ratios by Newcombe, higher is better', () => {
  const withGoodput = (good: number, total: number) => {
    const g = groupOf({ key: 'a', total, failed: 0 });
    return runOf('r', [{ ...g, goodput: goodputSummary({ good, total, attainment: 0.99, bounds: ['ttft'], met: { ttft: good } }, null) }]);
  };
  const goodputRow = (c: ReturnType<typeof compareRuns>) => c.groups[0]!.metrics.find((m) => m.metric === 'goodput');

  it.each<[string, [number, number], [number, number], string]>([
    ['990 → 900 good of 1,000', [990, 1000], [900, 1000], 'regression'],
    ['900 → 990 good of 1,000', [900, 1000], [990, 1000], 'improvement'],
    ['990 → 988: noise', [990, 1000], [988, 1000], 'within noise'],
    ['nothing judged on one side', [0, 0], [900, 1000], 'no data'],
  ])('%s → %s', (_, [g1, n1], [g2, n2], verdict) => {
    const c = compareRuns(withGoodput(g1, n1), withGoodput(g2, n2), SIDES, { ...DEFAULT_COMPARE_OPTIONS, gate: ['goodput'] });
    const m = goodputRow(c)!;
    expect(m).toMatchObject({ method: 'newcombe', unit: 'share', better: 'higher', verdict });
    if (verdict !== 'no data') expect(m.ci![0] < m.delta! && m.delta! < m.ci![1]).toBe(true);
    expect(c.regressions.length).toBe(verdict === 'regression' ? 1 : 0);
  });

  it('groups without a goodput block get no goodput row', () => {
    const plainRun = runOf('r', [groupOf({ key: 'a', total: 10, failed: 0 })]);
    expect(goodputRow(compareRuns(plainRun, plainRun, SIDES))).toBeUndefined();
  });
});
