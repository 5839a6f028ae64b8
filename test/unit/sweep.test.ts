import { describe, expect, it } from 'vitest';
import { loadForStep, sweepValues, DEFAULT_STEP_MS } from '../../src/runner/sweep.js';
import { evaluateSweepStep, kneeOf, type SweepStep } from '../../src/analysis/sweep-verdict.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { parseThresholds } from '../../src/scenario/threshold.js';
import { sweepSchema, type Load, type Scenario, type Sweep } from '../../src/scenario/schema.js';
import { withSweepFlag } from '../../src/scenario/sweep-flag.js';
import { validateScenario } from '../../src/scenario/validate.js';

// The capacity sweep: which levels it steps through, the load each level runs, how a level is
// judged against the SLO, where the knee is, and how `run --sweep` builds a sweep from the flag.

const sweep = (doc: Record<string, unknown>): Sweep => sweepSchema.parse(doc);

describe('sweepValues', () => {
  it.each<[string, Record<string, unknown>, number[]]>([
    ['a list as written', { over: 'rate', values: [5, 10, 40, 20] }, [5, 10, 40, 20]],
    ['geometric: from → to by a factor', { over: 'rate', values: { from: 1, to: 16, factor: 2 } }, [1, 2, 4, 8, 16]],
    ['arithmetic: from → to by a step', { over: 'rate', values: { from: 5, to: 20, step: 5 } }, [5, 10, 15, 20]],
    ['a step that does not land on `to` stops below it', { over: 'rate', values: { from: 1, to: 10, step: 4 } }, [1, 5, 9]],
    [
      'fractional factors are rounded to 6 decimals',
      { over: 'rate', values: { from: 1, to: 2, factor: 1.1 } },
      [1, 1.1, 1.21, 1.331, 1.4641, 1.61051, 1.771561, 1.948717],
    ],
    [
      'concurrency levels are whole users, deduplicated, at least 1',
      { over: 'concurrency', values: { from: 1, to: 4, factor: 1.5 } },
      [1, 2, 3],
    ],
  ])('%s', (_, doc, expected) => {
    expect(sweepValues(sweep(doc))).toEqual(expected);
  });

  it('a factor barely above 1 cannot hang the planner: at most 10,000 levels', () => {
    expect(sweepValues(sweep({ over: 'rate', values: { from: 1, to: 1e9, factor: 1.000001 } }))).toHaveLength(10_000);
  });
});

describe('loadForStep', () => {
  const base: Load = {
    rate: 3,
    duration: 20_000,
    arrivals: 'poisson',
    overflow: 'queue',
    maxInFlight: 8,
    warmup: { durationMs: 2000 },
    requests: 500,
    stages: [{ duration: 1000, rate: 5 }],
  } as Load;

  it('an open-loop level fixes the rate for the step duration, keeping warmup, arrivals and the in-flight cap', () => {
    const l = loadForStep(base, sweep({ over: 'rate', values: [1], stepDuration: '5s' }), 40);
    expect(l).toEqual({ rate: 40, duration: 5000, arrivals: 'poisson', overflow: 'queue', maxInFlight: 8, warmup: { durationMs: 2000 } });
  });

  it('a closed-loop level fixes the users (rounded); without a step duration it takes the load duration', () => {
    const l = loadForStep(
      { concurrency: 2, duration: 7000, arrivals: 'constant', overflow: 'drop' } as Load,
      sweep({ over: 'concurrency', values: [1] }),
      3.6,
    );
    expect(l).toMatchObject({ concurrency: 4, duration: 7000 });
    expect(l).not.toHaveProperty('rate');
  });

  it(`with neither a step duration nor a load duration a level lasts ${DEFAULT_STEP_MS} ms`, () => {
    expect(
      loadForStep({ rate: 1, requests: 10, arrivals: 'constant', overflow: 'drop' } as Load, sweep({ over: 'rate', values: [1] }), 2)
        .duration,
    ).toBe(DEFAULT_STEP_MS);
  });
});

// A measured result on `target` at sweep level `step`, ok or failed, with a TTFT.
function result(id: number, target: string, step: string, ttftMs: number, ok = true): RequestResult {
  const r = newResult({
    id,
    phase: 'measure',
    target,
    region: 'r',
    provider: 'mock',
    model: 'm',
    workload: 'default',
    turn: 1,
    step,
    scheduledAtMs: id * 10,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 4,
  });
  Object.assign(r, {
    sentAtMs: r.scheduledAtMs,
    headersAtMs: r.scheduledAtMs + 1,
    endAtMs: r.scheduledAtMs + ttftMs + 5,
    status: ok ? 200 : 503,
  });
  if (ok)
    Object.assign(r, {
      firstTokenAtMs: r.scheduledAtMs + ttftMs,
      firstContentAtMs: r.scheduledAtMs + ttftMs,
      contentDeltas: 1,
      outputTokens: 4,
    });
  else Object.assign(r, { errorKind: 'http_5xx', errorMessage: 'HTTP 503' });
  return r;
}

describe('evaluateSweepStep', () => {
  const slo = parseThresholds(['ttft.p99 < 100ms', 'errorRate < 10%']);

  it("judges each target on its own group at that level, with the failed checks and the level's numbers", () => {
    const rec = new Recorder();
    let id = 0;
    for (let i = 0; i < 20; i++) rec.add(result(id++, 'fast', 'rate=10', 50));
    for (let i = 0; i < 20; i++) rec.add(result(id++, 'slow', 'rate=10', 150));
    for (let i = 0; i < 20; i++) rec.add(result(id++, 'flaky', 'rate=10', 50, i % 4 !== 0));
    // The same targets at another level do not count toward this one.
    for (let i = 0; i < 20; i++) rec.add(result(id++, 'slow', 'rate=5', 10));
    const st = evaluateSweepStep(rec, ['fast', 'slow', 'flaky', 'silent'], 'rate=10', 10, slo);
    expect(st.label).toBe('rate=10');
    expect(st.value).toBe(10);
    const by = Object.fromEntries(st.targets.map((t) => [t.target, t]));
    expect(by.fast).toMatchObject({ pass: true, errorRate: 0 });
    expect(by.fast!.ttftP99Ms).toBeCloseTo(50, 0);
    expect(by.slow!.pass).toBe(false);
    expect(by.slow!.checks.filter((c) => !c.pass).map((c) => c.threshold)).toEqual(['ttft.p99 < 100ms']);
    expect(by.flaky!.pass).toBe(false);
    expect(by.flaky!.errorRate).toBe(0.25);
    // A target with no group at the level (nothing sent) fails: no evidence is not a pass.
    expect(by.silent).toMatchObject({ pass: false, requestsPerSec: null, ttftP99Ms: null, errorRate: null, checks: [] });
  });
});

describe('kneeOf', () => {
  const step = (value: number, pass: Record<string, boolean>): SweepStep => ({
    label: `rate=${value}`,
    value,
    targets: Object.entries(pass).map(([target, p]) => ({
      target,
      pass: p,
      checks: [],
      requestsPerSec: value,
      ttftP99Ms: 1,
      errorRate: 0,
      dropped: 0,
    })),
  });
  const steps = [
    step(1, { a: true, b: true, c: false }),
    step(2, { a: true, b: false, c: true }),
    step(4, { a: false, b: true, c: true }),
    step(8, { a: true, b: false, c: false }),
  ];

  it.each<[string, number | null]>([
    ['a', 2], // passes 1 and 2, fails 4: the later pass at 8 does not count (not an unbroken run)
    ['b', 1], // fails at 2, so its pass at 4 is not a knee
    ['c', null], // fails the first level: no knee
    ['missing', null], // absent from every level
  ])('%s → %s', (target, value) => {
    const [k] = kneeOf(steps, [target]);
    expect(k).toEqual({ target, value, label: value === null ? null : `rate=${value}` });
  });
});

describe('run --sweep (withSweepFlag)', () => {
  const scenario = (extra: Record<string, unknown> = {}): Scenario => {
    const v = validateScenario({
      name: 'sweep-flag',
      targets: [{ name: 'a', model: 'm', mock: {} }],
      load: { rate: 5, duration: '10s' },
      ...extra,
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    return v.scenario;
  };

  it("levels from the flag get the schema's defaults (SLO, stopAfterKnee) like a sweep block would", () => {
    const v = withSweepFlag(scenario(), 'rate=5, 10,20');
    expect(v.ok && v.scenario.sweep).toEqual({ over: 'rate', values: [5, 10, 20], slo: ['errorRate < 1%'], stopAfterKnee: true });
  });

  it("levels from the flag keep the file's own SLO, step duration and stopAfterKnee", () => {
    const s = scenario({ sweep: { over: 'rate', values: [1, 2], slo: ['ttft.p99 < 1s'], stepDuration: '3s', stopAfterKnee: false } });
    const v = withSweepFlag(s, 'concurrency=1,2,4');
    expect(v.ok && v.scenario.sweep).toEqual({
      over: 'concurrency',
      values: [1, 2, 4],
      slo: ['ttft.p99 < 1s'],
      stepDuration: 3000,
      stopAfterKnee: false,
    });
  });

  it("a bare --sweep uses the scenario's sweep block as it is", () => {
    const s = scenario({ sweep: { over: 'rate', values: [1, 2] } });
    expect(withSweepFlag(s, true)).toEqual({ ok: true, scenario: s });
  });

  it.each<[string, true | string, Record<string, unknown>, RegExp]>([
    ['a bare --sweep without a sweep block', true, {}, /has no sweep: block; give levels, write e\.g\. --sweep rate=5,10,20,40/],
    ['no levels', 'rate=', {}, /"rate=" is not a sweep/],
    ['an unknown quantity', 'users=1,2', {}, /"users=1,2" is not a sweep/],
    ['a zero level', 'rate=0,5', {}, /is not a sweep/],
    ['fractional users', 'concurrency=1,2.5', {}, /concurrency levels must be whole numbers/],
    ['a trace replay', 'rate=1,2', { load: { trace: { file: 't.jsonl' } } }, /cannot step a trace replay/],
    [
      'a failover drill',
      'rate=1,2',
      { targets: [{ name: 'a', model: 'm', mock: {} }], failover: [{ name: 'r', chain: ['a'] }] },
      /cannot be combined with a sweep/,
    ],
  ])('refuses %s, naming --sweep', (_, flag, extra, message) => {
    const v = withSweepFlag(scenario(extra), flag);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems[0]!.path).toBe('--sweep');
    expect(v.problems.map((p) => p.message).join('\n')).toMatch(message);
  });
});
