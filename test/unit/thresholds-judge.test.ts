import { describe, expect, it } from 'vitest';
import { buildCatalog, catalogSchema } from '../../src/cost/catalog.js';
import type { GeneratorHealth } from '../../src/metrics/generator-health.js';
import { groupCost } from '../../src/cost/run-cost.js';
import { Recorder, type RecorderOptions } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { summarizeRun } from '../../src/summary/summarize-run.js';
import { judgeLive, judgeThresholds, thresholdSpecs, type CostOf } from '../../src/analysis/thresholds.js';

// Thresholds judged: a string on each target on its own; a filter (target, region, model,
// workload, route) on the matching requests together — percentiles from the merged histograms,
// not an average of percentiles — or each matching target with `per: target`. No data fails.
// An invalid run's thresholds are shown, not judged.

const TARGETS = [
  { name: 'a', region: 'us', model: 'cheap' },
  { name: 'b', region: 'eu', model: 'cheap' },
  { name: 'c', region: 'eu', model: 'dear' },
] as const;

let id = 0;
function served(
  target: (typeof TARGETS)[number],
  ttftMs: number,
  opts: { fail?: boolean; workload?: string; at?: number } = {},
): RequestResult {
  const at = opts.at ?? id;
  const r = newResult({
    id: id++,
    phase: 'measure',
    target: target.name,
    region: target.region,
    provider: 'mock',
    model: target.model,
    workload: opts.workload ?? 'chat',
    turn: 1,
    step: '',
    scheduledAtMs: at,
    queuedMs: 0,
    inputTokens: 100,
    requestedOutputTokens: 10,
  });
  if (opts.fail) return Object.assign(r, { endAtMs: at + 5, status: 503, errorKind: 'http_5xx' as const, errorMessage: 'HTTP 503' });
  return Object.assign(r, {
    sentAtMs: at,
    status: 200,
    headersAtMs: at + 1,
    firstTokenAtMs: at + ttftMs,
    firstContentAtMs: at + ttftMs,
    endAtMs: at + ttftMs + 20,
    contentDeltas: 10,
    outputTokens: 10,
    finishReason: 'stop',
  });
}

const healthy: GeneratorHealth = {
  eventLoopDelayMs: { mean: 1, p50: 1, p99: 2, max: 5 },
  eventLoopUtilization: 0.2,
  cpuPercent: 30,
  saturated: false,
  warnings: [],
};
const catalog = buildCatalog(catalogSchema.parse({ models: { cheap: { input: 1, output: 2 }, dear: { input: 10, output: 20 } } }));

// a: TTFT 100 ms ×99 and one 1 s; b: 200 ms ×100 with 2 failures; c: 50 ms ×100.
function results(): RequestResult[] {
  const out: RequestResult[] = [];
  for (let i = 0; i < 99; i++) out.push(served(TARGETS[0], 100));
  out.push(served(TARGETS[0], 1000));
  for (let i = 0; i < 100; i++) out.push(served(TARGETS[1], 200));
  out.push(served(TARGETS[1], 0, { fail: true }), served(TARGETS[1], 0, { fail: true }));
  for (let i = 0; i < 100; i++) out.push(served(TARGETS[2], 50));
  return out;
}

function scenario(thresholds: unknown[], extra: Record<string, unknown> = {}): Scenario {
  const doc = {
    name: 't',
    targets: TARGETS.map((t) => ({ ...t, baseUrl: 'http://127.0.0.1:1/v1' })),
    workload: { name: 'chat' },
    load: { concurrency: 1, duration: '1s' },
    thresholds,
    ...extra,
  };
  const v = validateScenario(doc);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.scenario;
}

function judge(thresholds: unknown[], rs = results(), opts: RecorderOptions = {}, valid = true) {
  const rec = new Recorder(opts);
  // As a run does: every target has a group, answered or not.
  for (const t of TARGETS) rec.declare({ target: t.name, region: t.region, provider: 'mock', model: t.model });
  for (const r of rs) rec.add(r);
  const summary = summarizeRun(rec, {
    tool: { name: 'x', version: '0' },
    runId: 'r',
    startedAt: '',
    endedAt: '',
    durationMs: 1,
    status: 'completed',
    loadModel: 'closed',
    stopReason: '',
    scenario: {},
    generator: healthy,
    pricing: catalog,
  });
  return { verdict: judgeThresholds(thresholdSpecs(scenario(thresholds)), summary.groups, valid), rec };
}

const rows = (v: ReturnType<typeof judge>['verdict']) => v.checks.map((c) => [c.on, c.actual, c.pass]);

describe('judgeThresholds', () => {
  it('a string is judged on each target on its own', () => {
    const { verdict } = judge(['ttft.p99 < 500ms']);
    expect(rows(verdict)).toEqual([
      ['target a', expect.closeTo(100, 0), true],
      ['target b', expect.closeTo(200, 0), true],
      ['target c', expect.closeTo(50, 0), true],
    ]);
    expect(verdict).toMatchObject({ evaluated: true, passed: true });
    expect(verdict.checks[0]).toMatchObject({ threshold: 'ttft.p99 < 500ms', filter: {}, limit: 500, unit: 'ms' });
  });

  it.each([
    // region eu: b and c together, percentiles of the merged histogram (200 × 100, 50 × 100): p50 = 50, p99 = 200.
    {
      name: 'region, together',
      t: { check: 'ttft.p50 < 100ms', region: 'eu' },
      expected: [['region eu (2 targets)', expect.closeTo(50, 0), true]],
    },
    {
      name: 'region p99 from the merged histogram',
      t: { check: 'ttft.p99 < 150ms', region: 'eu' },
      expected: [['region eu (2 targets)', expect.closeTo(200, 0), false]],
    },
    {
      name: 'model, together',
      t: { check: 'ttft.max < 500ms', model: 'cheap' },
      expected: [['model cheap (2 targets)', expect.closeTo(1000, -1), false]],
    },
    {
      name: 'model, each target',
      t: { check: 'ttft.max < 500ms', model: 'cheap', per: 'target' },
      expected: [
        ['target a', expect.closeTo(1000, -1), false],
        ['target b', expect.closeTo(200, 0), true],
      ],
    },
    { name: 'target', t: { check: 'error_rate < 1%', target: 'b' }, expected: [['target b', expect.closeTo(2 / 102, 6), false]] },
    // The error rate of b and c together: 2 of 202.
    {
      name: 'error rate together',
      t: { check: 'errorRate < 1%', region: 'eu' },
      expected: [['region eu (2 targets)', expect.closeTo(2 / 202, 6), true]],
    },
    {
      name: 'workload with one workload: the targets',
      t: { check: 'ttft.p50 < 150ms', workload: 'chat', target: 'a' },
      expected: [['target a, workload chat', expect.closeTo(100, 0), true]],
    },
  ])('$name', ({ t, expected }) => {
    expect(rows(judge([t]).verdict)).toEqual(expected);
  });

  it('cost: each target priced by its model; together, the sum over what the members served', () => {
    const each = judge(['cost.perRequest < 0.0001']).verdict.checks;
    // 100 input × $1/1M + 10 output × $2/1M = $0.00012 per request on the cheap model.
    // Per successful request: b's two 503s were not billed.
    expect(each.map((c) => c.actual)).toEqual([0.00012, 0.00012, 0.0012]);
    expect(each.map((c) => c.unit)).toEqual(['usd', 'usd', 'usd']);
    const together = judge([{ check: 'cost.total < 1', model: 'cheap' }]).verdict.checks[0]!;
    // a: 100 requests; b: 100 served + 2 failed (a 503 is not billed).
    expect(together.actual).toBeCloseTo(200 * 0.00012, 9);
  });

  it('nothing measured fails as no data (null), never as 0', () => {
    const { verdict } = judge(['ttft.p99 < 500ms'], [served(TARGETS[0], 100)]);
    expect(rows(verdict)).toEqual([
      ['target a', expect.closeTo(100, 0), true],
      ['target b', null, false],
      ['target c', null, false],
    ]);
    expect(verdict.passed).toBe(false);
  });

  it('an invalid run: checks shown, not judged', () => {
    const { verdict } = judge(['ttft.p99 < 500ms'], results(), {}, false);
    expect(verdict).toMatchObject({ evaluated: false, passed: null });
    expect(verdict.checks).toHaveLength(3);
  });

  it('workload groups, when the scenario mixes workloads', () => {
    const rs = [
      ...Array.from({ length: 50 }, () => served(TARGETS[0], 100, { workload: 'chat' })),
      ...Array.from({ length: 50 }, () => served(TARGETS[0], 900, { workload: 'rag' })),
    ];
    const s = scenario([{ check: 'ttft.p99 < 500ms', workload: 'rag' }], {
      workload: undefined,
      workloads: [{ name: 'chat' }, { name: 'rag' }],
    });
    const rec = new Recorder({ byWorkload: true });
    for (const r of rs) rec.add(r);
    const summary = summarizeRun(rec, {
      tool: { name: 'x', version: '0' },
      runId: 'r',
      startedAt: '',
      endedAt: '',
      durationMs: 1,
      status: 'completed',
      loadModel: 'closed',
      stopReason: '',
      scenario: {},
      generator: healthy,
    });
    const c = judgeThresholds(thresholdSpecs(s), summary.groups, true).checks;
    expect(c.map((x) => [x.on, x.actual])).toEqual([['workload rag', expect.closeTo(900, -1)]]);
  });
});

describe('thresholds over all requests (ttft.all.p99), a failure slower than any success', () => {
  it("a percentile among a target's failures fails, as beyond its successes rather than no data", () => {
    // b: 100 successes and 2 failures, so its p99 (rank 101 of 102) is a failure; its p95 (rank 97) is a success.
    const { verdict } = judge(['ttft.all.p99 < 500ms', 'ttft.all.p95 < 500ms']);
    expect(rows(verdict)).toEqual([
      ['target a', expect.closeTo(100, 0), true],
      ['target b', null, false],
      ['target c', expect.closeTo(50, 0), true],
      ['target a', expect.closeTo(100, 0), true],
      ['target b', expect.closeTo(200, 0), true],
      ['target c', expect.closeTo(50, 0), true],
    ]);
    expect(verdict.checks.map((c) => c.beyondSuccesses ?? false)).toEqual([false, true, false, false, false, false]);
  });

  it('together: the members’ successes and failures added (region eu: 200 successes, 2 failures, p99 rank 200)', () => {
    const c = judge([{ check: 'ttft.all.p99 < 500ms', region: 'eu' }]).verdict.checks[0]!;
    expect([c.actual, c.pass, c.beyondSuccesses]).toEqual([expect.closeTo(200, 0), true, undefined]);
  });

  it('abortOnFail: a percentile among the failures is a breach mid-run', () => {
    const rec = new Recorder();
    for (const r of results()) rec.add(r);
    const specs = thresholdSpecs(scenario([{ check: 'ttft.all.p99 < 5s', abortOnFail: true }]));
    expect(judgeLive(specs, rec.groups.values())).toMatchObject({ on: 'target b', pass: false, actual: null, beyondSuccesses: true });
  });
});

describe('judgeLive (abortOnFail, mid-run)', () => {
  it('finds the first breach on the live accumulators, skipping subjects with nothing measured yet', () => {
    const rec = new Recorder();
    for (const r of results()) rec.add(r);
    rec.declare({ target: 'idle', region: 'us', provider: 'mock', model: 'cheap' });
    const costOf: CostOf = (a) => groupCost(a.labels.model, a.billedByMinute, a.requests, a.ok, a.outputTokens, catalog);
    const specs = thresholdSpecs(scenario([{ check: 'ttft.p99 < 150ms', abortOnFail: true }]));
    expect(judgeLive(specs, rec.groups.values(), costOf)).toMatchObject({ on: 'target b', pass: false, actual: expect.closeTo(200, 0) });
    const none = thresholdSpecs(scenario([{ check: 'ttft.p99 < 5s', abortOnFail: true }]));
    expect(judgeLive(none, rec.groups.values(), costOf)).toBeNull();
  });
});

describe('thresholds in validation', () => {
  const problems = (thresholds: unknown[], extra: Record<string, unknown> = {}) => {
    const v = validateScenario({
      name: 't',
      targets: TARGETS.map((t) => ({ ...t, baseUrl: 'http://127.0.0.1:1/v1' })),
      load: { concurrency: 1, duration: '1s' },
      thresholds,
      ...extra,
    });
    return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
  };
  it.each<[unknown[], RegExp, Record<string, unknown>?]>([
    [['ttft.p99 < 600'], /^thresholds\[0\]: ttft\.p99 needs a unit/],
    [
      [{ check: 'ttft.p99 < 600ms', target: 'aa' }],
      /^thresholds\[0\]\.target: no target named "aa" \(did you mean "a"\?\); the scenario's targets: a, b, c$/,
    ],
    [[{ check: 'ttft.p99 < 600ms', region: 'asia' }], /^thresholds\[0\]\.region: no region named "asia"; the scenario's regions: us, eu$/],
    [
      [{ check: 'ttft.p99 < 600ms', route: 'chat' }],
      /^thresholds\[0\]\.route: no route named "chat"; the scenario has no failover routes$/,
    ],
    [['failover.p99 < 800ms'], /^thresholds\[0\]: failover\.p99 < 800ms is measured on failover routes, and the scenario has none/],
    [[{ check: 'cost.perRequest < 1ms' }], /^thresholds\[0\]\.check: cost\.perRequest is in US dollars/],
    [[{ check: 'ttft.p99 < 1s', per: 'region' }], /^thresholds\[0\]\.per: /],
    [
      ['ttft.p99 < 1s'],
      /^thresholds: a capacity sweep judges each level by sweep\.slo/,
      { sweep: { over: 'concurrency', values: [1, 2] } },
    ],
  ])('%j', (t, message, extra) => {
    expect(problems(t, extra).join('\n')).toMatch(new RegExp(message.source, 'm'));
  });

  it('accepts every form, each read as what it says', () => {
    const forms = [
      'ttft.p99 < 600ms',
      'error_rate < 0.1%',
      { check: 'cost.per_request < $0.001', model: 'cheap', per: 'target' },
      { check: 'dispatch_lag.p99 < 2ms', abortOnFail: true, delayAbortEval: '10s' },
    ];
    expect(problems(forms)).toEqual([]);
    // What validation kept is what the judge will apply: units converted, aliases resolved, filters and abort settings carried.
    expect(thresholdSpecs(scenario(forms))).toEqual([
      {
        threshold: expect.objectContaining({ subject: { kind: 'latency', metric: 'ttft', stat: 'p99' }, op: '<', value: 600 }),
        filter: {},
        abortOnFail: false,
        delayAbortEvalMs: 0,
      },
      {
        threshold: expect.objectContaining({ subject: { kind: 'errorRate' }, op: '<', value: 0.001 }),
        filter: {},
        abortOnFail: false,
        delayAbortEvalMs: 0,
      },
      {
        threshold: expect.objectContaining({ subject: { kind: 'cost', field: 'perRequest' }, op: '<', value: 0.001 }),
        filter: { model: 'cheap', per: 'target' },
        abortOnFail: false,
        delayAbortEvalMs: 0,
      },
      {
        threshold: expect.objectContaining({ subject: { kind: 'latency', metric: 'dispatchLag', stat: 'p99' }, op: '<', value: 2 }),
        filter: {},
        abortOnFail: true,
        delayAbortEvalMs: 10_000,
      },
    ]);
  });
});
