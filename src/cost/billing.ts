import type { BilledTokenCounts } from '../metrics/recorder.js';
import type { ModelPrice, PriceSet } from './catalog.js';
import { tokenCost, type Pico } from './money.js';

// Which price is in effect when, and what billed tokens cost at it. A request is priced at the
// price in effect at its wall-clock send time (UTC); the budget guard (per attempt) and the run's
// group cost (per minute of the day the recorder kept) both come through here, so they agree.

/** PricePeriod is the price set in effect at some moment, and which one it is: 'list', or an off-peak window "16:30–00:30". */
export type PricePeriod = PriceSet & { period: string };

/** inWindow says whether a UTC minute of the day falls in [from, to), a window that may cross midnight. */
export function inWindow(minute: number, fromMinute: number, toMinute: number): boolean {
  return fromMinute < toMinute ? minute >= fromMinute && minute < toMinute : minute >= fromMinute || minute < toMinute;
}

/**
 * pricesAt is the price in effect at a UTC minute of the day (0–1439): the off-peak window it falls
 * in, else the list price. A negative minute (send time unknown) gets the list price.
 */
export function pricesAt(p: ModelPrice, minute: number): PricePeriod {
  if (minute >= 0) for (const w of p.offPeak) if (inWindow(minute, w.fromMinute, w.toMinute)) return { ...w, period: `${w.from}–${w.to}` };
  return { ...p, period: 'list' };
}

/**
 * costAt is what billed tokens cost at one price set, exactly: cache reads at the cached-input price,
 * cache writes at the cache-write price (1-hour writes at theirs), the rest of the prompt at the
 * input price and the output at the output price. A component the price set lacks is billed as the
 * one it falls back to (cached input and cache writes → input; 1-hour writes → cache writes).
 */
export function costAt(t: BilledTokenCounts, s: PriceSet): Pico {
  const cached = Math.min(t.cachedInput, t.input);
  const writes = Math.min(t.cacheWriteInput, t.input - cached);
  const writes1h = Math.min(t.cacheWrite1hInput, writes);
  const plain = t.input - cached - writes;
  const write = s.cacheWriteMicros ?? s.inputMicros;
  return (
    tokenCost(plain, s.inputMicros) +
    tokenCost(cached, s.cachedInputMicros ?? s.inputMicros) +
    tokenCost(writes - writes1h, write) +
    tokenCost(writes1h, s.cacheWrite1hMicros ?? write) +
    tokenCost(t.output, s.outputMicros)
  );
}

/** periods lists every price set a model has: the list price and each window's. */
export function periods(p: ModelPrice): PricePeriod[] {
  return [{ ...p, period: 'list' }, ...p.offPeak.map((w) => ({ ...w, period: `${w.from}–${w.to}` }))];
}

/**
 * worstCase is the dearest a token can cost at any time of day: a prompt token at the highest of
 * the input and cache-write prices, an output token at the highest output price. The budget guard
 * reserves a request at it, so no time of day or cache behaviour can take spend past a cap.
 */
export function worstCase(p: ModelPrice): { promptMicros: bigint; outputMicros: bigint } {
  let promptMicros = 0n;
  let outputMicros = 0n;
  for (const s of periods(p)) {
    for (const m of [s.inputMicros, s.cachedInputMicros, s.cacheWriteMicros, s.cacheWrite1hMicros])
      if (m !== undefined && m > promptMicros) promptMicros = m;
    if (s.outputMicros > outputMicros) outputMicros = s.outputMicros;
  }
  return { promptMicros, outputMicros };
}

/** dearestPlain is the highest input and output price over the day, cache reads and writes aside (the pre-run estimate's basis). */
export function dearestPlain(p: ModelPrice): { inputMicros: bigint; outputMicros: bigint } {
  let inputMicros = 0n;
  let outputMicros = 0n;
  for (const s of periods(p)) {
    if (s.inputMicros > inputMicros) inputMicros = s.inputMicros;
    if (s.outputMicros > outputMicros) outputMicros = s.outputMicros;
  }
  return { inputMicros, outputMicros };
}
