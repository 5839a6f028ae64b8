import { beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../src/client/anthropic-messages.js';
import type { StreamState } from '../../src/client/protocol.js';
import { BudgetGuard } from '../../src/cost/budget-guard.js';
import { costAt, worstCase } from '../../src/cost/billing.js';
import { buildCatalog, catalogSchema, loadCatalog, type Catalog } from '../../src/cost/catalog.js';
import { priceMicros, tokenCost, usdPrecise, type Pico } from '../../src/cost/money.js';
import { groupCost } from '../../src/cost/run-cost.js';
import { Recorder, type BilledTokenCounts } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { REQUEST_COLUMNS, requestRow } from '../../src/output/requests-csv.js';

// Anthropic bills a prompt in four parts: plain input, cache reads (0.1×), 5-minute cache writes
// (1.25×) and 1-hour cache writes (2×). Its usage reports them apart; the record carries them, and
// the budget guard, the group cost and requests.csv all bill or show them as Anthropic does.

const tokens = (t: Partial<BilledTokenCounts>): BilledTokenCounts => ({
  input: 0,
  output: 0,
  cachedInput: 0,
  cacheWriteInput: 0,
  cacheWrite1hInput: 0,
  ...t,
});
/** $ per 1M → exact pico-dollars for n tokens, through the project's money helpers. */
const at = (n: number, dollarsPer1M: number): Pico => tokenCost(n, priceMicros(dollarsPer1M));

let shipped: Catalog;
beforeAll(async () => {
  shipped = await loadCatalog();
});
const sonnet = () => shipped.lookup('claude-3-5-sonnet')!;

describe('costAt: each part of the prompt at its price, exact to the pico-dollar', () => {
  it.each([
    // name, tokens, expected at Claude 3.5 Sonnet's $3 input / $3.75 5m write / $6 1h write / $0.30 hit / $15 output
    ['plain prompt', tokens({ input: 1_000, output: 40 }), at(1_000, 3) + at(40, 15)],
    ['cache reads', tokens({ input: 1_000, cachedInput: 900, output: 40 }), at(100, 3) + at(900, 0.3) + at(40, 15)],
    ['5-minute cache writes', tokens({ input: 2_100, cacheWriteInput: 2_000, output: 40 }), at(100, 3) + at(2_000, 3.75) + at(40, 15)],
    [
      '1-hour cache writes',
      tokens({ input: 2_100, cacheWriteInput: 2_000, cacheWrite1hInput: 2_000, output: 40 }),
      at(100, 3) + at(2_000, 6) + at(40, 15),
    ],
    [
      'reads, both writes and plain input in one request',
      tokens({ input: 4_000, cachedInput: 900, cacheWriteInput: 3_000, cacheWrite1hInput: 1_000, output: 40 }),
      // 100 × 3 + 900 × 0.30 + 2,000 × 3.75 + 1,000 × 6 + 40 × 15 = 300 + 270 + 7,500 + 6,000 + 600 = 14,670 µ$
      14_670_000_000n,
    ],
    // Counts that do not add up never bill a token twice: reads first, then writes, out of the prompt.
    [
      'writes beyond the prompt are capped at it',
      tokens({ input: 1_000, cachedInput: 600, cacheWriteInput: 900 }),
      at(600, 0.3) + at(400, 3.75),
    ],
  ])('%s', (_name, t, expected) => {
    expect(costAt(t, sonnet())).toBe(expected);
  });

  it.each([
    // A catalog row that leaves a component out bills it at the one it falls back to.
    ['no cacheWrite: writes at input', { input: 3, output: 15 }, at(2_100, 3)],
    [
      'no cacheWrite1h: 1-hour writes at cacheWrite',
      { input: 3, output: 15, cacheWrite: 3.75 },
      at(100, 3) + at(1_000, 3.75) + at(1_000, 3.75),
    ],
    ['both', { input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6 }, at(100, 3) + at(1_000, 3.75) + at(1_000, 6)],
  ])('%s', (_name, row, expected) => {
    const c = buildCatalog(catalogSchema.parse({ models: { m: row } }));
    expect(costAt(tokens({ input: 2_100, cacheWriteInput: 2_000, cacheWrite1hInput: 1_000 }), c.lookup('m')!)).toBe(expected);
  });
});

/** A claude-3-5-sonnet attempt whose usage is Anthropic's, read by the real adapter. */
function attempt(id: number, usage: Record<string, unknown>): RequestResult {
  const state: StreamState = { finishReason: '', usage: null };
  anthropicMessages.parseCompletion({ type: 'message', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage }, state);
  const u = state.usage!;
  return {
    ...newResult({
      id,
      phase: 'measure',
      target: 'claude',
      region: '',
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      workload: 'w',
      turn: 0,
      step: '',
      scheduledAtMs: id * 100,
      queuedMs: 0,
      inputTokens: 10,
      requestedOutputTokens: 40,
    }),
    sentAtMs: id * 100,
    firstTokenAtMs: id * 100 + 5,
    firstContentAtMs: id * 100 + 5,
    endAtMs: id * 100 + 20,
    contentDeltas: 1,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cachedInputTokens: u.cachedInputTokens ?? 0,
    cacheWriteInputTokens: u.cacheWriteInputTokens ?? 0,
    cacheWrite1hInputTokens: u.cacheWrite1hInputTokens ?? 0,
    tokenSource: 'usage',
    status: 200,
  };
}

describe('a conversation that writes the cache, then reads it', () => {
  // Turn 1 writes a 2,000-token prefix (1,000 of it with a 1-hour TTL); turn 2 reads it back.
  const turns = () => [
    attempt(1, {
      input_tokens: 100,
      cache_creation_input_tokens: 2_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 1_000 },
      cache_read_input_tokens: 0,
      output_tokens: 40,
    }),
    attempt(2, { input_tokens: 150, cache_creation_input_tokens: 0, cache_read_input_tokens: 2_000, output_tokens: 40 }),
  ];
  // Turn 1: 100 × $3 + 1,000 × $3.75 + 1,000 × $6 + 40 × $15 = 300 + 3,750 + 6,000 + 600 µ$ = 10,650 µ$.
  // Turn 2: 150 × $3 + 2,000 × $0.30 + 40 × $15 = 450 + 600 + 600 µ$ = 1,650 µ$.
  const TURN1 = at(100, 3) + at(1_000, 3.75) + at(1_000, 6) + at(40, 15);
  const TURN2 = at(150, 3) + at(2_000, 0.3) + at(40, 15);

  it('the amounts are the hand-worked ones', () => {
    expect([TURN1, TURN2]).toEqual([10_650_000_000n, 1_650_000_000n]);
  });

  it('the record carries what Anthropic reported', () => {
    const [one, two] = turns();
    expect([one!.inputTokens, one!.cachedInputTokens, one!.cacheWriteInputTokens, one!.cacheWrite1hInputTokens]).toEqual([
      2_100, 0, 2_000, 1_000,
    ]);
    expect([two!.inputTokens, two!.cachedInputTokens, two!.cacheWriteInputTokens, two!.cacheWrite1hInputTokens]).toEqual([
      2_150, 2_000, 0, 0,
    ]);
  });

  it('the budget guard and the group cost bill it exactly and agree', () => {
    const guard = new BudgetGuard({ maxUsd: 1, confirmAboveUsd: 5 }, shipped, Date.parse('2026-05-01T12:00:00Z'));
    const recorder = new Recorder({ originEpochMs: Date.parse('2026-05-01T12:00:00Z') });
    for (const r of turns()) {
      guard.charge(r);
      recorder.add(r);
    }
    expect(guard.spent).toBe(TURN1 + TURN2);
    const g = recorder.targetGroup('claude')!;
    expect(g.billed).toMatchObject({ input: 4_250, cachedInput: 2_000, cacheWriteInput: 2_000, cacheWrite1hInput: 1_000, output: 80 });
    const cost = groupCost(g.labels.model, g.billedByMinute, g.requests, g.ok, g.outputTokens, shipped);
    expect(cost.totalUsd).toBe(usdPrecise(TURN1 + TURN2)); // $0.0123
    expect(cost.totalUsd).toBe(0.0123);
  });

  it('before this, writes were billed as plain input: 2,000 tokens at $3 instead of $3.75 / $6', () => {
    const asInput = at(2_100, 3) + at(40, 15);
    expect(TURN1 - asInput).toBe(at(1_000, 0.75) + at(1_000, 3)); // 3,750 µ$ under-billed on one turn
  });

  it('the guard reserves a prompt at the dearest a prompt token can cost (a 1-hour write)', () => {
    expect(worstCase(sonnet())).toEqual({ promptMicros: 6_000_000n, outputMicros: 15_000_000n });
  });

  it('requests.csv shows cache writes in columns added at the end, empty without server usage', () => {
    const [one] = turns();
    // Added after the columns that were there before them, so earlier positions never move.
    const at = REQUEST_COLUMNS.indexOf('reasoning_deltas');
    expect(REQUEST_COLUMNS.slice(at, at + 3)).toEqual(['reasoning_deltas', 'cache_write_input_tokens', 'cache_write_1h_input_tokens']);
    const cell = (r: RequestResult, c: string) => requestRow(r)[REQUEST_COLUMNS.indexOf(c)];
    expect([cell(one!, 'cached_input_tokens'), cell(one!, 'cache_write_input_tokens'), cell(one!, 'cache_write_1h_input_tokens')]).toEqual([
      0, 2_000, 1_000,
    ]);
    const counted = { ...one!, tokenSource: 'counted' as const, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0 };
    expect([cell(counted, 'cache_write_input_tokens'), cell(counted, 'cache_write_1h_input_tokens')]).toEqual(['', '']);
  });
});
