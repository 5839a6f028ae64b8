import { describe, expect, it } from 'vitest';
import { divPico, formatUsd, priceMicros, tokenCost, toCents, usdNumber, usdPrecise } from '../../src/cost/money.js';

// Money as integer pico-dollars (1e-12 $): prices are µ$ per 1M tokens, so tokens × price is exact
// and only printing rounds. Amounts below are written in pico-dollars; `$` turns dollars into them.

const PICO_PER_DOLLAR = 1_000_000_000_000n;
const PICO_PER_CENT = 10_000_000_000n;
/** $ is an exact amount of whole dollars and cents, in pico-dollars ($(1234, 57) = $1,234.57). */
const $ = (dollars: number, cents = 0): bigint => BigInt(dollars) * PICO_PER_DOLLAR + BigInt(cents) * PICO_PER_CENT;

describe('priceMicros', () => {
  it.each([
    [2.5, 2_500_000n],
    [10, 10_000_000n],
    [15, 15_000_000n],
    [3, 3_000_000n],
    [1.25, 1_250_000n],
    [0.075, 75_000n],
    [0.14, 140_000n],
    [0.28, 280_000n],
    [0.3, 300_000n],
    [0.1 + 0.2, 300_000n], // 0.30000000000000004 still reads as $0.30
    [1.001, 1_001_000n], // 1.001 × 1e6 in floats is 1000999.9999999999: truncating it would lose a µ$
    [0.000249, 249n], // 248.99999999999997 in floats
    [0.000001, 1n],
    [0, 0n],
    [1234.5, 1_234_500_000n],
  ])('$%d per 1M → %d µ$ per 1M', (dollars, micros) => {
    expect(priceMicros(dollars)).toBe(micros);
  });
});

describe('tokenCost', () => {
  it.each([
    // tokens × µ$/1M = pico-dollars.
    [1_000_000, 2_500_000n, $(2, 50)], // 1M tokens of GPT-4o input
    [1_000_000, 75_000n, 75_000_000_000n], // $0.075
    [200, 2_500_000n, 500_000_000n], // 200 × $2.50 / 1M = $0.0005
    [150, 10_000_000n, 1_500_000_000n], // $0.0015
    [1, 1n, 1n],
    [0, 15_000_000n, 0n],
    [37_500_000n * 30n, 75_000n, 84_375_000_000_000n], // a month of 37.5M/day at $0.075 = $84.375 exactly
  ])('%d tokens at %d µ$/1M → %d p$', (tokens, micros, pico) => {
    expect(tokenCost(tokens, micros)).toBe(pico);
  });

  it('takes counts past 2^53 as bigint without losing a token', () => {
    const tokens = 2n ** 60n + 1n;
    expect(tokenCost(tokens, 1n)).toBe(tokens);
  });
});

describe('toCents (half up, away from zero)', () => {
  it.each([
    [0n, 0n],
    [4_999_999_999n, 0n], // just under half a cent
    [5_000_000_000n, 1n], // exactly half a cent rounds up
    [15_000_000_000n, 2n], // 1.5¢ → 2¢
    [25_000_000_000n, 3n], // 2.5¢ → 3¢ (half up, not to even)
    [$(1) + 5_000_000_000n, 101n], // $1.005 → $1.01 (in floats 1.005 is below the half and rounds down)
    [$(1) + 4_999_999_999n, 100n],
    [$(620), 62_000n],
    [-5_000_000_000n, -1n], // half a cent owed rounds away from zero
    [-4_999_999_999n, 0n],
    [-$(1, 50), -150n],
  ])('%d p$ → %d¢', (pico, cents) => {
    expect(toCents(pico)).toBe(cents);
  });
});

describe('formatUsd', () => {
  it.each([
    [0n, '$0.00'],
    [$(0, 1), '$0.01'],
    [4_999_999_999n, '$0.00'],
    [5_000_000_000n, '$0.01'],
    [$(60), '$60.00'],
    [$(999, 99), '$999.99'],
    [$(999, 99) + 5_000_000_000n, '$1,000.00'], // rounding carries into the thousands
    [$(1_000), '$1,000.00'],
    [$(1_234, 57), '$1,234.57'],
    [$(10_116), '$10,116.00'],
    [$(1_234_567, 89), '$1,234,567.89'],
    [$(1_000_000_000), '$1,000,000,000.00'],
    [-$(0, 5), '-$0.05'],
    [-$(1_234, 50), '-$1,234.50'],
    [-$(1_000_000), '-$1,000,000.00'],
    [-4_999_999_999n, '$0.00'], // rounds to zero: no "-$0.00"
  ])('%d p$ → %s', (pico, text) => {
    expect(formatUsd(pico)).toBe(text);
  });
});

describe('usdNumber and usdPrecise', () => {
  it.each([
    [$(620), 620, 620],
    [$(25, 48), 25.48, 25.48],
    [3_500_000_000n, 0, 0.0035], // one 1000-in/100-out GPT-4o request: below a cent, exact to 6 decimals
    [$(0, 1) + 5_000_000_000n, 0.02, 0.015],
    [0n, 0, 0],
  ])('%d p$ → %d (to the cent), %d (6 decimals)', (pico, cents, precise) => {
    expect(usdNumber(pico)).toBe(cents);
    expect(usdPrecise(pico)).toBe(precise);
  });
});

describe('divPico', () => {
  it.each([
    [10n, 3, 3n],
    [11n, 3, 4n], // 3.67 → 4
    [5n, 2, 3n], // 2.5 → 3 (half up)
    [7n, 2, 4n], // 3.5 → 4
    [9n, 1, 9n],
    [0n, 5, 0n],
    [100n, 0, 0n], // nothing to divide by: 0, not a throw
    [$(620), 30, 20_666_666_666_667n], // $620 a month over 30 days = $20.666…67 a day
    [$(843), 30n, $(28, 10)],
  ])('%d / %d → %d', (pico, n, quotient) => {
    expect(divPico(pico, n)).toBe(quotient);
  });
});
