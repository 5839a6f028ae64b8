import { describe, expect, it } from 'vitest';
import { BudgetGuard } from '../../src/cost/budget-guard.js';
import { costAt, inWindow, pricesAt, worstCase } from '../../src/cost/billing.js';
import { buildCatalog, catalogSchema, loadCatalog } from '../../src/cost/catalog.js';
import { priceMicros, tokenCost, usdPrecise } from '../../src/cost/money.js';
import { groupCost } from '../../src/cost/run-cost.js';
import { utcMinuteOfDay } from '../../src/metrics/clock.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { modelPriceSchema } from '../../src/scenario/price-row.js';

// Time-of-day prices: a request is priced at the price in effect at its wall-clock send time (UTC).
// The catalog row below is DeepSeek's deepseek-chat as its pricing page published it until
// 2025-09-05: standard prices UTC 00:30–16:30, the discount UTC 16:30–00:30 (across midnight).
const catalog = buildCatalog(
  catalogSchema.parse({
    asOf: '2025-09',
    models: {
      'deepseek-chat': {
        provider: 'deepseek',
        input: 0.27,
        cachedInput: 0.07,
        output: 1.1,
        offPeak: [{ from: '16:30', to: '00:30', input: 0.135, cachedInput: 0.035, output: 0.55 }],
      },
    },
  }),
);
const chat = catalog.lookup('deepseek-chat')!;
const minuteAt = (iso: string) => utcMinuteOfDay(Date.parse(iso));
const OFF = '16:30–00:30';

describe('the price in effect at a UTC time', () => {
  it.each([
    ['2025-06-02T12:00:00.000Z', 'list'],
    ['2025-06-02T16:29:59.999Z', 'list'],
    ['2025-06-02T16:30:00.000Z', OFF], // the window's first instant
    ['2025-06-02T23:59:59.999Z', OFF],
    ['2025-06-03T00:00:00.000Z', OFF], // across midnight, still off-peak
    ['2025-06-03T00:29:59.999Z', OFF],
    ['2025-06-03T00:30:00.000Z', 'list'], // the window's end is not in it
  ])('%s → %s', (iso, period) => {
    expect(pricesAt(chat, minuteAt(iso)).period).toBe(period);
  });

  it('an unknown send time (minute −1) gets the list price', () => {
    expect(pricesAt(chat, -1)).toMatchObject({
      period: 'list',
      inputMicros: 270_000n,
      cachedInputMicros: 70_000n,
      outputMicros: 1_100_000n,
    });
    expect(pricesAt(chat, minuteAt('2025-06-02T16:30:00Z'))).toMatchObject({
      inputMicros: 135_000n,
      cachedInputMicros: 35_000n,
      outputMicros: 550_000n,
    });
  });

  it.each([
    // minute, from, to, inside
    [59, 60, 240, false], // 00:59 in 01:00–04:00
    [60, 60, 240, true],
    [239, 60, 240, true],
    [240, 60, 240, false],
    [1439, 990, 30, true], // 23:59 in 16:30–00:30
    [0, 990, 30, true],
    [30, 990, 30, false],
    [989, 990, 30, false],
    [0, 1439, 1, true], // 23:59–00:01
    [1, 1439, 1, false],
  ])('minute %d in [%d, %d): %s', (minute, from, to, inside) => {
    expect(inWindow(minute, from, to)).toBe(inside);
  });

  it('utcMinuteOfDay reads epoch ms as the UTC minute of the day, before 1970 too', () => {
    expect(utcMinuteOfDay(Date.parse('2025-06-02T16:29:59.999Z'))).toBe(989);
    expect(utcMinuteOfDay(Date.parse('2025-06-02T16:30:00Z'))).toBe(990);
    expect(utcMinuteOfDay(Date.parse('1969-12-31T23:59:30Z'))).toBe(1439);
  });
});

describe('off-peak windows in a catalog row', () => {
  const row = { input: 1, output: 2 };
  it.each([
    [[{ from: '16:30', to: '00:30', input: 0.5, output: 1 }], null],
    [
      [
        { from: '01:00', to: '04:00', input: 2, output: 4 },
        { from: '06:00', to: '10:00', input: 2, output: 4 },
      ],
      null,
    ],
    [[{ from: '24:00', to: '01:00', input: 0.5, output: 1 }], '"24:00" is not a UTC time'],
    [[{ from: '9:00', to: '10:00', input: 0.5, output: 1 }], '"9:00" is not a UTC time'],
    [[{ from: '10:00', to: '10:00', input: 0.5, output: 1 }], 'from and to are the same time'],
    [
      [
        { from: '16:30', to: '00:30', input: 0.5, output: 1 },
        { from: '00:00', to: '01:00', input: 0.5, output: 1 },
      ],
      'offPeak windows 0 and 1 overlap',
    ],
  ])('%j → %s', (offPeak, problem) => {
    const r = modelPriceSchema.safeParse({ ...row, offPeak });
    if (problem === null) expect(r.success).toBe(true);
    else expect(r.error?.issues.map((i) => i.message).join('; ')).toContain(problem);
  });

  it('a window that is not a time is reported once, not also as an overlap', () => {
    const r = modelPriceSchema.safeParse({ ...row, offPeak: [{ from: '16:30', to: '24:30', input: 0.5, output: 1 }] });
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['offPeak.0.to', '"24:30" is not a UTC time; write "HH:MM", e.g. "16:30"'],
    ]);
  });
});

/** A deepseek-chat attempt answered 200, sent `sentAtMs` after the run's origin: 1,000 prompt tokens (600 cache hits), 100 out. */
function attempt(id: number, sentAtMs: number, over: Partial<RequestResult> = {}): RequestResult {
  return {
    ...newResult({
      id,
      phase: 'measure',
      target: 'ds',
      region: '',
      provider: 'deepseek-global',
      model: 'deepseek-chat',
      workload: 'w',
      turn: 0,
      step: '',
      scheduledAtMs: sentAtMs,
      queuedMs: 0,
      inputTokens: 1_000,
      requestedOutputTokens: 100,
    }),
    sentAtMs,
    firstTokenAtMs: sentAtMs + 10,
    firstContentAtMs: sentAtMs + 10,
    endAtMs: sentAtMs + 50,
    contentDeltas: 1,
    outputTokens: 100,
    cachedInputTokens: 600,
    tokenSource: 'usage',
    status: 200,
    ...over,
  };
}

// In µ$ per 1M: list 270_000 / 70_000 / 1_100_000, off-peak 135_000 / 35_000 / 550_000.
const LIST = 400n * 270_000n + 600n * 70_000n + 100n * 1_100_000n; // 260,000,000 p$ = $0.00026
const OFF_PEAK = 400n * 135_000n + 600n * 35_000n + 100n * 550_000n; // 130,000,000 p$ = $0.00013

describe('budget guard and group cost price each request at its send time, and agree', () => {
  // The run's clock starts at 16:29:00 UTC; a result's wall-clock send time is origin + sentAtMs.
  const origin = Date.parse('2025-06-02T16:29:00.000Z');
  const toMidnight = Date.parse('2025-06-03T00:29:59.999Z') - origin;
  const cases: [string, RequestResult[], bigint][] = [
    ['16:29:59.999 (list)', [attempt(1, 59_999)], LIST],
    ['16:30:00.000 (off-peak)', [attempt(1, 60_000)], OFF_PEAK],
    ['one either side of 16:30', [attempt(1, 59_999), attempt(2, 60_000)], LIST + OFF_PEAK],
    ['00:29:59.999 next day (off-peak, across midnight)', [attempt(1, toMidnight)], OFF_PEAK],
    ['00:30:00.000 next day (list)', [attempt(1, toMidnight + 1)], LIST],
    ['an error response is not billed', [attempt(1, 60_000, { status: 500, errorKind: 'http_5xx', outputTokens: 0 })], 0n],
  ];

  it.each(cases)('%s', (_name, results, expected) => {
    const guard = new BudgetGuard({ maxUsd: 100, confirmAboveUsd: 5 }, catalog, origin);
    const recorder = new Recorder({ originEpochMs: origin });
    for (const r of results) {
      recorder.add(r);
      guard.charge(r);
    }
    const g = recorder.targetGroup('ds')!;
    const cost = groupCost('deepseek-chat', g.billedByMinute, g.requests, g.ok, g.outputTokens, catalog);
    expect(guard.spent).toBe(expected);
    expect(cost.totalUsd).toBe(usdPrecise(expected));
  });

  it('the hand-worked amounts are what the money helpers give', () => {
    const list = pricesAt(chat, minuteAt('2025-06-02T16:29:59Z'));
    expect(LIST).toBe(tokenCost(400, priceMicros(0.27)) + tokenCost(600, priceMicros(0.07)) + tokenCost(100, priceMicros(1.1)));
    expect(costAt({ input: 1_000, output: 100, cachedInput: 600, cacheWriteInput: 0, cacheWrite1hInput: 0 }, list)).toBe(LIST);
    expect(OFF_PEAK * 2n).toBe(LIST); // DeepSeek's discount was exactly half on deepseek-chat
  });

  it('a failed attempt is priced in its window too, and counted apart as failed', () => {
    const recorder = new Recorder({ originEpochMs: origin });
    recorder.add(attempt(1, 59_999));
    recorder.add(attempt(2, 60_000, { errorKind: 'reset', errorMessage: 'socket hang up' }));
    const g = recorder.targetGroup('ds')!;
    const cost = groupCost('deepseek-chat', g.billedByMinute, g.requests, g.ok, g.outputTokens, catalog);
    expect([cost.totalUsd, cost.failedUsd]).toEqual([usdPrecise(LIST + OFF_PEAK), usdPrecise(OFF_PEAK)]);
  });

  it('without the run wall clock, both price at list', () => {
    const guard = new BudgetGuard({ maxUsd: 100, confirmAboveUsd: 5 }, catalog);
    const recorder = new Recorder();
    for (const r of [attempt(1, 59_999), attempt(2, 60_000)]) {
      recorder.add(r);
      guard.charge(r);
    }
    const g = recorder.targetGroup('ds')!;
    expect(guard.spent).toBe(2n * LIST);
    expect(groupCost('deepseek-chat', g.billedByMinute, g.requests, g.ok, g.outputTokens, catalog).totalUsd).toBe(usdPrecise(2n * LIST));
  });

  it('reserves a request at the dearest price of the day, whenever it is sent', () => {
    expect(worstCase(chat)).toEqual({ promptMicros: 270_000n, outputMicros: 1_100_000n });
    const guard = new BudgetGuard({ maxUsd: 100, confirmAboveUsd: 5 }, catalog, origin);
    expect(guard.reserve('deepseek-chat', 1_000, 100)).toEqual({ pico: 1_000n * 270_000n + 100n * 1_100_000n, tokens: 1_100 });
  });
});

describe('the example catalog of DeepSeek 2025 prices', () => {
  it('prices a request at 16:29:59 and one at 16:30:00 UTC differently', async () => {
    const example = await loadCatalog(new URL('../../pricing/examples/deepseek-offpeak-2025.yaml', import.meta.url));
    for (const model of ['deepseek-chat', 'deepseek-reasoner']) {
      const p = example.lookup(model)!;
      const before = pricesAt(p, minuteAt('2025-06-02T16:29:59Z'));
      const after = pricesAt(p, minuteAt('2025-06-02T16:30:00Z'));
      expect([before.period, after.period]).toEqual(['list', OFF]);
      expect(after.inputMicros).toBeLessThan(before.inputMicros);
      // Off-peak, both models cost the same: $0.035 hit, $0.135 miss, $0.55 out per 1M.
      expect([after.cachedInputMicros, after.inputMicros, after.outputMicros]).toEqual([35_000n, 135_000n, 550_000n]);
    }
  });
});
