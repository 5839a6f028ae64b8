/**
 * Money without floating-point drift. Prices are held as integer micro-dollars per 1M tokens
 * ($2.50 / 1M → 2_500_000n); a token count times that is an exact amount in pico-dollars
 * (1e-12 $), summed as BigInt. Only printing rounds, to the cent, half up.
 */

/** Pico is an exact amount of money in pico-dollars (1e-12 $). */
export type Pico = bigint;

const PICO_PER_CENT = 10_000_000_000n; // 1e10

/** priceMicros turns a price in $ per 1M tokens (up to 6 decimals) into integer micro-dollars per 1M tokens. */
export function priceMicros(dollarsPer1M: number): bigint {
  // Through the decimal text, not a float multiply: 0.075 × 1e6 must be exactly 75000.
  const [whole, frac = ''] = dollarsPer1M.toFixed(6).split('.');
  return BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6));
}

/** tokenCost is the exact cost of `tokens` at `micros` µ$ per 1M tokens. */
export function tokenCost(tokens: bigint | number, micros: bigint): Pico {
  return BigInt(tokens) * micros;
}

/** toCents rounds an amount to whole cents, half up (half away from zero). */
export function toCents(p: Pico): bigint {
  const neg = p < 0n;
  const a = neg ? -p : p;
  const c = (a + PICO_PER_CENT / 2n) / PICO_PER_CENT;
  return neg ? -c : c;
}

/** formatUsd prints an amount to the cent: "$1,234.57". */
export function formatUsd(p: Pico): string {
  const c = toCents(p);
  const neg = c < 0n;
  const a = neg ? -c : c;
  const dollars = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}$${dollars}.${(a % 100n).toString().padStart(2, '0')}`;
}

/** usdNumber gives an amount as a plain number of dollars rounded to the cent, for JSON and CSV. */
export function usdNumber(p: Pico): number {
  return Number(toCents(p)) / 100;
}

/** usdPrecise gives an amount as dollars with 6 decimals (for per-request costs smaller than a cent). */
export function usdPrecise(p: Pico): number {
  // Rounded half away from zero to the micro-dollar, like toCents.
  const neg = p < 0n;
  const a = neg ? -p : p;
  const micros = (a + 500_000n) / 1_000_000n;
  return (neg ? -1 : 1) * (Number(micros) / 1_000_000);
}

/** usdFine gives a small amount (a per-request cost) in dollars at full precision, so costs below a micro-dollar still rank correctly. */
export function usdFine(p: Pico): number {
  return Number(p) / 1e12;
}

/** divPico divides an amount by an integer count (rounded to the pico-dollar); 0 when the count is 0. */
export function divPico(p: Pico, n: bigint | number): Pico {
  const d = BigInt(n);
  return d === 0n ? 0n : (p + d / 2n) / d;
}
