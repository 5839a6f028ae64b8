import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, catalogSchema, loadCatalog, type Catalog } from '../../src/cost/catalog.js';
import { priceMicros, tokenCost, toCents, type Pico } from '../../src/cost/money.js';
import {
  periodLine,
  project,
  projectionSchema,
  resolveModels,
  volumeOf,
  type ProjectionRow,
  type WorkloadVolume,
} from '../../src/cost/projection.js';

// Monthly spend projections against the shipped catalog, checked against cents worked out by hand.
// Catalog prices, $ per 1M tokens (input / output):
//   gpt-4o 2.50 / 10.00   claude-3-5-sonnet 3.00 / 15.00   gemini-1.5-pro 1.25 / 5.00
//   gemini-1.5-flash 0.075 / 0.30   deepseek-v4-flash 0.14 / 0.28   gpt-4o-mini 0.15 / 0.60
//   deepseek-chat 0.14 / 0.28 (DeepSeek's name for deepseek-v4-flash's non-thinking mode)

const cents = (p: Pico): number => Number(toCents(p));

/** The four workload shapes of scenarios/cost/monthly-projection.yaml. */
const SHAPES = projectionSchema.parse({
  workloads: [
    { name: 'support-chat', conversationsPerMonth: 10_000, turns: 3, inputTokens: 200, outputTokens: 150 },
    { name: 'code-review', requestsPerMonth: 5_000, inputTokens: 2_000, outputTokens: 500 },
    { name: 'summarization', requestsPerMonth: 20_000, inputTokens: 3_000, outputTokens: 300 },
    { name: 'rag', requestsPerMonth: 50_000, inputTokens: 800, outputTokens: 400 },
  ],
});

function volumesOf(p: ReturnType<typeof projectionSchema.parse>): WorkloadVolume[] {
  return p.workloads.map((w) => {
    const v = volumeOf(w, p.daysPerMonth);
    if (typeof v === 'string') throw new Error(v);
    return v;
  });
}

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

const priced = (model: string) => {
  const p = catalog.lookup(model);
  if (!p) throw new Error(`${model} is not in the shipped catalog`);
  return p;
};

describe('volumeOf', () => {
  it.each([
    // name, workload, requests, input tokens, output tokens (a month)
    [
      'conversations × turns',
      { conversationsPerMonth: 10_000, turns: 3, inputTokens: 200, outputTokens: 150 },
      30_000n,
      6_000_000n,
      4_500_000n,
    ],
    ['requests', { requestsPerMonth: 5_000, inputTokens: 2_000, outputTokens: 500 }, 5_000n, 10_000_000n, 2_500_000n],
    [
      'requests win over conversations',
      { requestsPerMonth: 7, conversationsPerMonth: 100, turns: 2, inputTokens: 1, outputTokens: 1 },
      7n,
      7n,
      7n,
    ],
    // 50M a day × 30 days = 1.5G tokens; 0.75 of it input: 37.5M a day in, 12.5M a day out.
    ['tokens a day, 3/4 input', { tokensPerDay: 50_000_000, inputShare: 0.75 }, 0n, 1_125_000_000n, 375_000_000n],
    ['tokens a day, default share 0.75', { tokensPerDay: 50_000_000 }, 0n, 1_125_000_000n, 375_000_000n],
    ['tokens a day, all output', { tokensPerDay: 1_000, inputShare: 0 }, 0n, 0n, 30_000n],
    // 333,333 × 30 = 9,999,990; a tenth is 999,999 — the split adds back up to the whole.
    ['tokens a day, a share that does not divide', { tokensPerDay: 333_333, inputShare: 0.1 }, 0n, 999_999n, 8_999_991n],
  ])('%s', (_name, w, requests, input, output) => {
    const [workload] = projectionSchema.parse({ workloads: [{ name: 'w', ...w }] }).workloads;
    expect(volumeOf(workload!, 30)).toEqual({
      name: 'w',
      requestsPerMonth: requests,
      inputTokensPerMonth: input,
      outputTokensPerMonth: output,
    });
  });

  it('a 31-day month counts 31 days of a daily volume', () => {
    const [w] = projectionSchema.parse({ workloads: [{ name: 'w', tokensPerDay: 1_000_000, inputShare: 0.5 }] }).workloads;
    expect(volumeOf(w!, 31)).toMatchObject({ inputTokensPerMonth: 15_500_000n, outputTokensPerMonth: 15_500_000n });
  });

  it.each([
    ['no volume', { inputTokens: 100, outputTokens: 10 }, /^w: give requestsPerMonth, conversationsPerMonth \(× turns\) or tokensPerDay$/],
    ['no output tokens', { requestsPerMonth: 10, inputTokens: 100 }, /^w: give inputTokens and outputTokens per request/],
    ['no tokens at all', { conversationsPerMonth: 10 }, /--from/],
  ])('%s: says what to give', (_name, w, message) => {
    const [workload] = projectionSchema.parse({ workloads: [{ name: 'w', ...w }] }).workloads;
    expect(volumeOf(workload!, 30)).toMatch(message);
  });
});

describe('project: one workload at a time, by hand', () => {
  // workload, model, input ¢, output ¢, total ¢ a month. Tokens a month are from the volumeOf table.
  it.each([
    // support chat: 10,000 conversations × 3 turns = 30,000 requests; 6.0M in (× 200), 4.5M out (× 150)
    ['support-chat', 'gpt-4o', 1_500, 4_500, 6_000], //            6.0 × 2.50 = 15.00;  4.5 × 10.00 = 45.00  → $60.00
    ['support-chat', 'claude-3-5-sonnet', 1_800, 6_750, 8_550], // 6.0 × 3.00 = 18.00;  4.5 × 15.00 = 67.50  → $85.50
    ['support-chat', 'gemini-1.5-pro', 750, 2_250, 3_000], //      6.0 × 1.25 =  7.50;  4.5 × 5.00  = 22.50  → $30.00
    ['support-chat', 'gemini-1.5-flash', 45, 135, 180], //          6.0 × 0.075 = 0.45;  4.5 × 0.30  =  1.35  → $1.80
    ['support-chat', 'deepseek-v4-flash', 84, 126, 210], //         6.0 × 0.14 =  0.84;  4.5 × 0.28  =  1.26  → $2.10
    ['support-chat', 'gpt-4o-mini', 90, 270, 360], //               6.0 × 0.15 =  0.90;  4.5 × 0.60  =  2.70  → $3.60
    // code review: 5,000 requests; 10M in (× 2,000), 2.5M out (× 500)
    ['code-review', 'gpt-4o', 2_500, 2_500, 5_000], //             10 × 2.50 = 25.00;  2.5 × 10.00 = 25.00  → $50.00
    ['code-review', 'claude-3-5-sonnet', 3_000, 3_750, 6_750], //  10 × 3.00 = 30.00;  2.5 × 15.00 = 37.50  → $67.50
    ['code-review', 'gemini-1.5-pro', 1_250, 1_250, 2_500], //     10 × 1.25 = 12.50;  2.5 × 5.00  = 12.50  → $25.00
    ['code-review', 'gemini-1.5-flash', 75, 75, 150], //            10 × 0.075 = 0.75;  2.5 × 0.30  =  0.75  → $1.50
    ['code-review', 'deepseek-v4-flash', 140, 70, 210], //          10 × 0.14 =  1.40;  2.5 × 0.28  =  0.70  → $2.10
    ['code-review', 'gpt-4o-mini', 150, 150, 300], //               10 × 0.15 =  1.50;  2.5 × 0.60  =  1.50  → $3.00
    // summarization: 20,000 requests; 60M in (× 3,000), 6M out (× 300)
    ['summarization', 'gpt-4o', 15_000, 6_000, 21_000], //            60 × 2.50 = 150.00;  6 × 10.00 = 60.00  → $210.00
    ['summarization', 'claude-3-5-sonnet', 18_000, 9_000, 27_000], // 60 × 3.00 = 180.00;  6 × 15.00 = 90.00  → $270.00
    ['summarization', 'gemini-1.5-pro', 7_500, 3_000, 10_500], //     60 × 1.25 =  75.00;  6 × 5.00  = 30.00  → $105.00
    ['summarization', 'gemini-1.5-flash', 450, 180, 630], //           60 × 0.075 =  4.50;  6 × 0.30  =  1.80  → $6.30
    ['summarization', 'deepseek-v4-flash', 840, 168, 1_008], //        60 × 0.14 =   8.40;  6 × 0.28  =  1.68  → $10.08
    ['summarization', 'gpt-4o-mini', 900, 360, 1_260], //              60 × 0.15 =   9.00;  6 × 0.60  =  3.60  → $12.60
    // RAG: 50,000 requests; 40M in (× 800), 20M out (× 400)
    ['rag', 'gpt-4o', 10_000, 20_000, 30_000], //            40 × 2.50 = 100.00;  20 × 10.00 = 200.00  → $300.00
    ['rag', 'claude-3-5-sonnet', 12_000, 30_000, 42_000], // 40 × 3.00 = 120.00;  20 × 15.00 = 300.00  → $420.00
    ['rag', 'gemini-1.5-pro', 5_000, 10_000, 15_000], //     40 × 1.25 =  50.00;  20 × 5.00  = 100.00  → $150.00
    ['rag', 'gemini-1.5-flash', 300, 600, 900], //            40 × 0.075 =  3.00;  20 × 0.30  =   6.00  → $9.00
    ['rag', 'deepseek-v4-flash', 560, 560, 1_120], //         40 × 0.14 =   5.60;  20 × 0.28  =   5.60  → $11.20
    ['rag', 'gpt-4o-mini', 600, 1_200, 1_800], //             40 × 0.15 =   6.00;  20 × 0.60  =  12.00  → $18.00
  ])('%s on %s: %d¢ in + %d¢ out = %d¢', (workload, model, inputCents, outputCents, totalCents) => {
    const volume = volumesOf(SHAPES).find((v) => v.name === workload)!;
    const [row] = project([volume], [priced(model)], 30);
    expect(cents(row!.inputMonthly)).toBe(inputCents);
    expect(cents(row!.outputMonthly)).toBe(outputCents);
    expect(cents(row!.totalMonthly)).toBe(totalCents);
    // Whole cents here, so the exact amounts carry no remainder at all.
    expect(row!.totalMonthly).toBe(BigInt(totalCents) * 10_000_000_000n);
    expect(row!.byWorkload).toEqual({ [workload]: row!.totalMonthly });
  });
});

describe('project: the four workloads together', () => {
  // All four: 116M input tokens (6 + 10 + 60 + 40), 33M output (4.5 + 2.5 + 6 + 20) a month.
  // model, input ¢, output ¢, total ¢, per day ¢ (total / 30, half up), annual ¢ (× 12), × vs cheapest
  const EXPECTED: [string, number, number, number, number, number, number][] = [
    ['gemini-1.5-flash', 870, 990, 1_860, 62, 22_320, 1], //           116 × 0.075 = 8.70; 33 × 0.30 = 9.90; $18.60 / 30 = $0.62
    ['deepseek-v4-flash', 1_624, 924, 2_548, 85, 30_576, 1.37], //     116 × 0.14 = 16.24; 33 × 0.28 = 9.24; $25.48 / 30 = $0.8493; 25.48 / 18.60 = 1.370
    ['gpt-4o-mini', 1_740, 1_980, 3_720, 124, 44_640, 2], //            116 × 0.15 = 17.40; 33 × 0.60 = 19.80; $37.20 / 30 = $1.24
    ['gemini-1.5-pro', 14_500, 16_500, 31_000, 1_033, 372_000, 16.67], // 116 × 1.25 = 145; 33 × 5 = 165; $310 / 30 = $10.333; 310 / 18.6 = 16.667
    ['gpt-4o', 29_000, 33_000, 62_000, 2_067, 744_000, 33.33], //      116 × 2.50 = 290; 33 × 10 = 330; $620 / 30 = $20.667; 620 / 18.6 = 33.333
    ['claude-3-5-sonnet', 34_800, 49_500, 84_300, 2_810, 1_011_600, 45.32], // 116 × 3 = 348; 33 × 15 = 495; $843 / 30 = $28.10; 843 / 18.6 = 45.323
  ];
  let rows: ProjectionRow[];
  beforeAll(() => {
    const models = ['gpt-4o', 'claude-3-5-sonnet', 'gemini-1.5-pro', 'gemini-1.5-flash', 'deepseek-v4-flash', 'gpt-4o-mini'];
    rows = project(volumesOf(SHAPES), models.map(priced), 30);
  });

  it('ranks the models cheapest first', () => {
    expect(rows.map((r) => r.model)).toEqual(EXPECTED.map(([m]) => m));
  });

  it.each(EXPECTED)(
    '%s: %d¢ + %d¢ = %d¢ a month, %d¢ a day, %d¢ a year, %d× the cheapest',
    (model, input, output, total, perDay, annual, times) => {
      const row = rows.find((r) => r.model === model)!;
      expect([cents(row.inputMonthly), cents(row.outputMonthly), cents(row.totalMonthly)]).toEqual([input, output, total]);
      expect(cents(row.perDay)).toBe(perDay);
      expect(cents(row.annual)).toBe(annual);
      expect(row.annual).toBe(row.totalMonthly * 12n);
      expect(row.timesCheapest).toBe(times);
    },
  );

  it('by workload: each model’s four workloads add up to its total', () => {
    // gpt-4o: 60 + 50 + 210 + 300 = 620; claude: 85.50 + 67.50 + 270 + 420 = 843.
    const gpt = rows.find((r) => r.model === 'gpt-4o')!;
    expect(Object.fromEntries(Object.entries(gpt.byWorkload).map(([w, p]) => [w, cents(p)]))).toEqual({
      'support-chat': 6_000,
      'code-review': 5_000,
      summarization: 21_000,
      rag: 30_000,
    });
    for (const r of rows) expect(Object.values(r.byWorkload).reduce((a, b) => a + b, 0n)).toBe(r.totalMonthly);
  });

  it('an empty price list projects nothing; a free model is 0× (no division by zero)', () => {
    expect(project(volumesOf(SHAPES), [], 30)).toEqual([]);
    const free = { ...priced('gpt-4o'), model: 'free', inputMicros: 0n, outputMicros: 0n };
    const [row] = project(volumesOf(SHAPES), [free], 30);
    expect(row).toMatchObject({ totalMonthly: 0n, perDay: 0n, annual: 0n, timesCheapest: 0 });
  });
});

describe('project: 50M tokens a day, three quarters input', () => {
  // 37.5M in and 12.5M out a day; × 30 = 1,125M in and 375M out a month.
  // model, input ¢, output ¢, total ¢, per day ¢, annual ¢, × vs cheapest — half cents round up.
  const EXPECTED: [string, number, number, number, number, number, number][] = [
    ['gemini-1.5-flash', 8_438, 11_250, 19_688, 656, 236_250, 1], //   1125 × 0.075 = 84.375 → $84.38; 375 × 0.30 = 112.50; $196.875 → $196.88; /30 = 6.5625; ×12 = 2,362.50
    ['deepseek-v4-flash', 15_750, 10_500, 26_250, 875, 315_000, 1.33], // 1125 × 0.14 = 157.50; 375 × 0.28 = 105; $262.50; /30 = 8.75; 262.5 / 196.875 = 1.333
    ['deepseek-chat', 15_750, 10_500, 26_250, 875, 315_000, 1.33], //     the same price; a tie keeps catalog order
    ['gpt-4o-mini', 16_875, 22_500, 39_375, 1_313, 472_500, 2], //      1125 × 0.15 = 168.75; 375 × 0.60 = 225; $393.75; /30 = 13.125 → $13.13
    ['gemini-1.5-pro', 140_625, 187_500, 328_125, 10_938, 3_937_500, 16.67], // 1125 × 1.25 = 1,406.25; 375 × 5 = 1,875; $3,281.25; /30 = 109.375 → $109.38
    ['gpt-4o', 281_250, 375_000, 656_250, 21_875, 7_875_000, 33.33], //  1125 × 2.50 = 2,812.50; 375 × 10 = 3,750; $6,562.50; /30 = 218.75
    ['claude-3-5-sonnet', 337_500, 562_500, 900_000, 30_000, 10_800_000, 45.71], // 1125 × 3 = 3,375; 375 × 15 = 5,625; $9,000; 9000 / 196.875 = 45.714
  ];
  let rows: ProjectionRow[];
  beforeAll(() => {
    const p = projectionSchema.parse({ workloads: [{ name: 'gateway-traffic', tokensPerDay: 50_000_000, inputShare: 0.75 }] });
    rows = project(volumesOf(p), catalog.models, p.daysPerMonth);
  });

  it.each(EXPECTED)(
    '%s: %d¢ + %d¢ = %d¢ a month, %d¢ a day, %d¢ a year, %d× the cheapest',
    (model, input, output, total, perDay, annual, times) => {
      const row = rows.find((r) => r.model === model)!;
      expect([cents(row.inputMonthly), cents(row.outputMonthly), cents(row.totalMonthly)]).toEqual([input, output, total]);
      expect([cents(row.perDay), cents(row.annual), row.timesCheapest]).toEqual([perDay, annual, times]);
    },
  );

  it('no float drift: amounts are exact to the pico-dollar', () => {
    const at = (m: string) => rows.find((r) => r.model === m)!;
    // 0.075 × 37,500,000 × 30 = $84.375 exactly (Flash input).
    expect(at('gemini-1.5-flash').inputMonthly).toBe(84_375_000_000_000n);
    expect(at('gemini-1.5-flash').totalMonthly).toBe(196_875_000_000_000n);
    expect(at('gemini-1.5-flash').perDay).toBe(6_562_500_000_000n);
    // 0.14 × 1,125 in floats is 157.50000000000003; here it is exactly $157.50.
    expect(at('deepseek-v4-flash').inputMonthly).toBe(157_500_000_000_000n);
    // (0.14 × 1,125 + 0.28 × 375) × 12 in floats is 3150.000000000001; here the year is exactly $3,150.
    expect(at('deepseek-v4-flash').annual).toBe(3_150_000_000_000_000n);
  });

  it('ranks the models cheapest first', () => {
    expect(rows.map((r) => r.model)).toEqual(EXPECTED.map(([m]) => m));
  });
});

describe('catalog lookup', () => {
  it.each([
    ['gpt-4o', 'gpt-4o'],
    ['GPT-4o', 'gpt-4o'], // ids are case-insensitive
    ['gpt-4o-2024-08-06', 'gpt-4o'], // alias
    ['chatgpt-4o-latest', 'gpt-4o'], // alias that is not a prefix
    ['gpt-4o-2025-03-01', 'gpt-4o'], // dated id, not listed: prices as its family
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'], // alias
    ['gpt-4o-mini-2025-09-09', 'gpt-4o-mini'], // the longest id it starts with, not gpt-4o
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet'],
    ['gemini-1.5-flash-002', 'gemini-1.5-flash'],
    ['models/gemini-1.5-pro-002', 'gemini-1.5-pro'], // Gemini's "models/" prefix
    ['deepseek-chat', 'deepseek-chat'], // DeepSeek's own row
    ['deepseek-reasoner', 'deepseek-chat'], // alias: the thinking mode, same price
    ['deepseek-flash', 'deepseek-v4-flash'], // alias
    ['gpt-4', undefined],
    ['gpt-4oo', undefined], // a prefix only counts up to a "-"
    ['mock-model', undefined],
    ['', undefined],
  ])('%j → %j', (model, found) => {
    expect(catalog.lookup(model)?.model).toBe(found);
  });

  it('holds the shipped prices exactly', () => {
    expect(catalog.asOf).toBe('2026-05-01');
    expect(catalog.currency).toBe('USD');
    expect(Object.fromEntries(catalog.models.map((m) => [m.model, [m.inputMicros, m.outputMicros]]))).toEqual({
      'gpt-4o': [2_500_000n, 10_000_000n],
      'gpt-4o-mini': [150_000n, 600_000n],
      'claude-3-5-sonnet': [3_000_000n, 15_000_000n],
      'gemini-1.5-pro': [1_250_000n, 5_000_000n],
      'gemini-1.5-flash': [75_000n, 300_000n],
      'deepseek-v4-flash': [140_000n, 280_000n],
      'deepseek-chat': [140_000n, 280_000n],
    });
  });

  it('resolveModels keeps the name asked for, and names every unknown model', () => {
    const prices = resolveModels(catalog, ['gpt-4o-2024-08-06', 'deepseek-chat']);
    expect(prices.map((p) => (typeof p === 'string' ? p : [p.model, p.inputMicros]))).toEqual([
      ['gpt-4o-2024-08-06', 2_500_000n],
      ['deepseek-chat', 140_000n],
    ]);
    const unknown = resolveModels(catalog, ['gpt-4o', 'gpt-5-turbo', 'llama-9']);
    expect(unknown).toEqual([
      expect.stringMatching(/^models: "gpt-5-turbo" is not in the catalog \(known: gpt-4o, /),
      expect.stringMatching(/^models: "llama-9" is not in the catalog/),
    ]);
  });
});

describe('project with an off-peak share', () => {
  // DeepSeek's 2025 price list (pricing/examples/deepseek-offpeak-2025.yaml): deepseek-chat
  // $0.27 in / $1.10 out at list, $0.135 / $0.55 in its one window, UTC 16:30–00:30.
  let example: Catalog;
  beforeAll(async () => {
    example = await loadCatalog(new URL('../../pricing/examples/deepseek-offpeak-2025.yaml', import.meta.url));
  });
  const volume: WorkloadVolume[] = [
    { name: 'batch', requestsPerMonth: 1_000n, inputTokensPerMonth: 1_000_000n, outputTokensPerMonth: 1_000_000n },
  ];

  // 1M tokens each, so the amount is the price per 1M: exact through the money helpers.
  const oneMillionAt = (dollarsPer1M: number): Pico => tokenCost(1_000_000, priceMicros(dollarsPer1M));
  it.each([
    // share, input $ per 1M, output $ per 1M
    [0, 0.27, 1.1], //            list prices all day
    [0.5, 0.2025, 0.825], //      half at 0.27 and half at 0.135; 1.10 / 0.55
    [1, 0.135, 0.55], //          all in the window
    [0.25, 0.23625, 0.9625], //   0.75 × 0.27 + 0.25 × 0.135; 0.75 × 1.10 + 0.25 × 0.55
  ])('offPeakShare %d: input $%d, output $%d', (share, input, output) => {
    const [row] = project(volume, [example.lookup('deepseek-chat')!], 30, share);
    expect([row!.inputMonthly, row!.outputMonthly]).toEqual([oneMillionAt(input), oneMillionAt(output)]);
  });

  it('a model without off-peak prices is at list price whatever the share', () => {
    const [row] = project(volume, [priced('gpt-4o')], 30, 0.5);
    expect(row!.totalMonthly).toBe(12_500_000_000_000n); // 1M × $2.50 + 1M × $10
  });

  it('spreads the share over several windows by their length, exact to the pico-dollar', () => {
    const c = buildCatalog(
      catalogSchema.parse({
        models: {
          m: {
            input: 1,
            output: 1,
            offPeak: [
              { from: '01:00', to: '04:00', input: 2, output: 2 },
              { from: '06:00', to: '10:00', input: 4, output: 4 },
            ],
          },
        },
      }),
    );
    // All traffic off-peak: 180 of 420 window minutes at $2, 240 at $4 → $22/7 per 1M = $3.142857142857…
    const [row] = project(volume, [c.lookup('m')!], 30, 1);
    expect(row!.inputMonthly).toBe(3_142_857_142_857n);
  });

  it('says which prices it assumes', () => {
    const chat = example.lookup('deepseek-chat')!;
    expect(periodLine([priced('gpt-4o')], 0)).toBe('prices: list prices all day, no cache discounts');
    expect(periodLine([priced('gpt-4o')], 0.5)).toBe('prices: list prices all day, no cache discounts');
    expect(periodLine([chat], 0)).toBe(
      'prices: list prices all day, no cache discounts; off-peak prices exist for deepseek-chat (16:30–00:30 UTC): set offPeakShare to count them',
    );
    expect(periodLine([chat, priced('gpt-4o')], 0.3)).toBe(
      'prices: 30% of the traffic in the off-peak windows of deepseek-chat (16:30–00:30 UTC), the rest at list prices; list prices all day for gpt-4o (no off-peak prices); no cache discounts',
    );
  });

  it('offPeakShare is a share: 0 to 1, 0 by default', () => {
    expect(projectionSchema.parse({ workloads: [{ name: 'w', requestsPerMonth: 1, inputTokens: 1, outputTokens: 1 }] }).offPeakShare).toBe(
      0,
    );
    expect(
      projectionSchema.safeParse({ offPeakShare: 1.5, workloads: [{ name: 'w', requestsPerMonth: 1, inputTokens: 1, outputTokens: 1 }] })
        .success,
    ).toBe(false);
  });
});
