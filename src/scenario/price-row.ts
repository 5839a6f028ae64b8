import { z } from 'zod';

// One model's prices as a catalog row (pricing/catalog.yaml) or a scenario's `pricing.models`
// override writes them: $ per 1M tokens for each component the provider bills, where the figures
// came from and when they were read, and any time-of-day windows with prices of their own.

/** hhmmMinutes reads a UTC wall-clock time "HH:MM" (00:00–23:59) as minutes after midnight; null if it is not one. */
export function hhmmMinutes(s: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

const price = z.number().min(0);
const hhmm = z.string().refine((s) => hhmmMinutes(s) !== null, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a UTC time; write "HH:MM", e.g. "16:30"`,
});

/**
 * offPeakWindowSchema: a daily UTC window [from, to) — it crosses midnight when `to` is earlier than `from` — and the
 * prices in effect inside it.
 */
export const offPeakWindowSchema = z
  .strictObject({
    from: hhmm,
    to: hhmm,
    input: price,
    output: price,
    cachedInput: price.optional(),
    cacheWrite: price.optional(),
    cacheWrite1h: price.optional(),
  })
  .refine((w) => w.from !== w.to, { error: 'from and to are the same time; a window needs a length (a price all day is the row itself)' });

/** overlap finds two windows covering the same minute of the day (which would give that minute two prices). */
function overlap(windows: readonly { from: string; to: string }[]): string | null {
  const owner = new Array<number>(1440).fill(-1);
  for (const [i, w] of windows.entries()) {
    const from = hhmmMinutes(w.from);
    const to = hhmmMinutes(w.to);
    if (from === null || to === null) continue; // reported on its own
    for (let m = from; m !== to; m = (m + 1) % 1440) {
      if (owner[m] !== -1) return `offPeak windows ${owner[m]} and ${i} overlap`;
      owner[m] = i;
    }
  }
  return null;
}

/** A row's date: a "YYYY-MM-DD" string (YAML may hand over a Date). */
export const priceDateSchema = z.union([z.string().min(1), z.date().transform((d) => d.toISOString().slice(0, 10))]);

/** modelPriceSchema: one model's prices, $ per 1M tokens. Components a provider does not publish are left out. */
export const modelPriceSchema = z
  .strictObject({
    /** Who publishes the price (openai, anthropic, google, deepseek, …). */
    provider: z.string().min(1).optional(),
    /** Prompt tokens not served from a cache. */
    input: price,
    output: price,
    /** Prompt tokens read from the provider's prompt cache (a cache hit); absent: billed as input. */
    cachedInput: price.optional(),
    /** Prompt tokens written to the cache, where the provider bills writes apart (Anthropic: 5-minute TTL); absent: billed as input. */
    cacheWrite: price.optional(),
    /** Cache writes with a 1-hour TTL (Anthropic); absent: billed as cacheWrite. */
    cacheWrite1h: price.optional(),
    /** Explicit-cache storage, $ per 1M tokens per hour (Gemini): carried for reference, never billed (a run does not create caches). */
    cacheStoragePerHour: price.optional(),
    /** Daily UTC windows with prices of their own (e.g. an off-peak discount). */
    offPeak: z.array(offPeakWindowSchema).default([]),
    /** Where the figures came from (the public page). */
    source: z.string().default(''),
    /** When the figures were read from it; defaults to the catalog's asOf. */
    asOf: priceDateSchema.optional(),
    aliases: z.array(z.string()).default([]),
  })
  .superRefine((p, ctx) => {
    const clash = overlap(p.offPeak);
    if (clash) ctx.addIssue({ code: 'custom', path: ['offPeak'], message: clash });
  });
export type ModelPriceRow = z.output<typeof modelPriceSchema>;
