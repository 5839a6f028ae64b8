import { z } from 'zod';
import type { Catalog, ModelPrice, PriceSet } from './catalog.js';
import { divPico, tokenCost, type Pico } from './money.js';

/** projectionSchema: monthly volumes per workload, and the models to price them on. */
export const projectionSchema = z.strictObject({
  /** Days in a month for the per-day view (default 30). */
  daysPerMonth: z.number().int().positive().default(30),
  /** Models to compare (catalog ids); default: every model in the catalog. */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** Share of the traffic sent inside a model's off-peak windows (spread over them by their length); 0: list prices all day. */
  offPeakShare: z.number().min(0).max(1).default(0),
  workloads: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        /** Volume: requests a month, or conversations a month × turns, or tokens a day (split by inputShare). */
        requestsPerMonth: z.number().int().min(0).optional(),
        conversationsPerMonth: z.number().int().min(0).optional(),
        turns: z.number().int().positive().default(1),
        tokensPerDay: z.number().int().min(0).optional(),
        inputShare: z.number().min(0).max(1).default(0.75),
        /** Tokens per request (or taken from a run with --from). */
        inputTokens: z.number().int().min(0).optional(),
        outputTokens: z.number().int().min(0).optional(),
      }),
    )
    .min(1),
});
export type Projection = z.output<typeof projectionSchema>;
export type ProjectionWorkload = Projection['workloads'][number];

/** WorkloadVolume is a workload's monthly token volume, exact. */
export interface WorkloadVolume {
  name: string;
  requestsPerMonth: bigint;
  inputTokensPerMonth: bigint;
  outputTokensPerMonth: bigint;
}

/** ProjectionRow is one model's monthly spend for all the workloads. */
export interface ProjectionRow {
  model: string;
  inputMonthly: Pico;
  outputMonthly: Pico;
  totalMonthly: Pico;
  perDay: Pico;
  annual: Pico;
  /** totalMonthly / cheapest totalMonthly, to 2 decimals (1.00 for the cheapest). */
  timesCheapest: number;
  /** Per workload: monthly total. */
  byWorkload: Record<string, Pico>;
}

/** volumeOf turns a workload's stated volume into monthly token counts (integers, exact). */
export function volumeOf(w: ProjectionWorkload, daysPerMonth: number): WorkloadVolume | string {
  if (w.tokensPerDay !== undefined) {
    // Shares as integer parts per million, so 0.75 of 50M is exactly 37.5M.
    const monthly = BigInt(w.tokensPerDay) * BigInt(daysPerMonth);
    const shareMicro = BigInt(Math.round(w.inputShare * 1_000_000));
    const input = (monthly * shareMicro) / 1_000_000n;
    return { name: w.name, requestsPerMonth: 0n, inputTokensPerMonth: input, outputTokensPerMonth: monthly - input };
  }
  const requests =
    w.requestsPerMonth !== undefined
      ? BigInt(w.requestsPerMonth)
      : w.conversationsPerMonth !== undefined
        ? BigInt(w.conversationsPerMonth) * BigInt(w.turns)
        : null;
  if (requests === null) return `${w.name}: give requestsPerMonth, conversationsPerMonth (× turns) or tokensPerDay`;
  if (w.inputTokens === undefined || w.outputTokens === undefined)
    return `${w.name}: give inputTokens and outputTokens per request (or take them from a run with --from)`;
  return {
    name: w.name,
    requestsPerMonth: requests,
    inputTokensPerMonth: requests * BigInt(w.inputTokens),
    outputTokensPerMonth: requests * BigInt(w.outputTokens),
  };
}

/**
 * project prices the volumes on each model, exactly, and ranks them against the cheapest. Input is
 * priced at the input price (no cache discounts). With an `offPeakShare`, that share of a model's
 * traffic is priced in its off-peak windows — spread over them by their length — and the rest at list
 * price; a model without windows is at list price all day.
 */
export function project(
  volumes: readonly WorkloadVolume[],
  prices: readonly ModelPrice[],
  daysPerMonth: number,
  offPeakShare = 0,
): ProjectionRow[] {
  const shareMicro = BigInt(Math.round(offPeakShare * 1_000_000));
  const rows = prices.map((p) => {
    let input = 0n;
    let output = 0n;
    const byWorkload: Record<string, Pico> = {};
    for (const v of volumes) {
      const i = blendedCost(v.inputTokensPerMonth, p, (s) => s.inputMicros, shareMicro);
      const o = blendedCost(v.outputTokensPerMonth, p, (s) => s.outputMicros, shareMicro);
      input += i;
      output += o;
      byWorkload[v.name] = i + o;
    }
    const total = input + output;
    return {
      model: p.model,
      inputMonthly: input,
      outputMonthly: output,
      totalMonthly: total,
      perDay: divPico(total, daysPerMonth),
      annual: total * 12n,
      timesCheapest: 0,
      byWorkload,
    };
  });
  // biome-ignore lint/complexity/useMathMinMax: the amounts are BigInt micro-dollars, which Math.min does not take
  const cheapest = rows.reduce((m, r) => (r.totalMonthly < m ? r.totalMonthly : m), rows[0]?.totalMonthly ?? 0n);
  for (const r of rows) r.timesCheapest = cheapest === 0n ? 0 : Number((r.totalMonthly * 100n + cheapest / 2n) / cheapest) / 100;
  return rows.sort((a, b) => (a.totalMonthly < b.totalMonthly ? -1 : a.totalMonthly > b.totalMonthly ? 1 : 0));
}

// tokens at list price, or shareMicro (parts per million) of them in the off-peak windows by length.
function blendedCost(tokens: bigint, p: ModelPrice, price: (s: PriceSet) => bigint, shareMicro: bigint): Pico {
  if (shareMicro === 0n || p.offPeak.length === 0) return tokenCost(tokens, price(p));
  const lengths = p.offPeak.map((w) => BigInt((w.toMinute - w.fromMinute + 1440) % 1440));
  const minutes = lengths.reduce((a, b) => a + b, 0n);
  let scaled = tokens * price(p) * (1_000_000n - shareMicro) * minutes;
  for (const [i, w] of p.offPeak.entries()) scaled += tokens * price(w) * shareMicro * lengths[i]!;
  return divPico(scaled, 1_000_000n * minutes);
}

/** periodLine says which prices a projection assumes: list prices all day, or a share of the traffic off-peak. */
export function periodLine(prices: readonly ModelPrice[], offPeakShare: number): string {
  const windowed = prices.filter((p) => p.offPeak.length > 0);
  const names = (ps: readonly ModelPrice[]) =>
    ps.map((p) => `${p.model} (${p.offPeak.map((w) => `${w.from}–${w.to}`).join(', ')} UTC)`).join(', ');
  if (offPeakShare === 0 || windowed.length === 0) {
    const hint = windowed.length ? `; off-peak prices exist for ${names(windowed)}: set offPeakShare to count them` : '';
    return `prices: list prices all day, no cache discounts${hint}`;
  }
  const rest = prices.filter((p) => p.offPeak.length === 0);
  const pct = `${Number((offPeakShare * 100).toFixed(2))}%`;
  const allDay = rest.length ? `; list prices all day for ${rest.map((p) => p.model).join(', ')} (no off-peak prices)` : '';
  const offPeak = `${pct} of the traffic in the off-peak windows of ${names(windowed)}`;
  return `prices: ${offPeak}, the rest at list prices${allDay}; no cache discounts`;
}

/** resolveModels picks the prices to compare, or names the unknown models. */
export function resolveModels(catalog: Catalog, models: readonly string[] | undefined): ModelPrice[] | string[] {
  if (!models) return catalog.models;
  const unknown = models.filter((m) => !catalog.lookup(m));
  if (unknown.length)
    return unknown.map(
      (m) => `models: ${JSON.stringify(m)} is not in the catalog (known: ${catalog.models.map((x) => x.model).join(', ')})`,
    );
  return models.map((m) => ({ ...catalog.lookup(m)!, model: m }));
}
