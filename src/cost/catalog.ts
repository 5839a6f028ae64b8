import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { hhmmMinutes, modelPriceSchema, priceDateSchema, type ModelPriceRow } from '../scenario/price-row.js';
import { priceMicros } from './money.js';

/** PriceSet is what each kind of token costs in one price period, exactly (integer µ$ per 1M tokens). */
export interface PriceSet {
  /** Prompt tokens not served from a cache. */
  inputMicros: bigint;
  outputMicros: bigint;
  /** Cache reads (hits); absent means they cost the same as input. */
  cachedInputMicros?: bigint;
  /** Cache writes (Anthropic's 5-minute TTL); absent means they cost the same as input. */
  cacheWriteMicros?: bigint;
  /** 1-hour-TTL cache writes; absent means they cost the same as cacheWrite. */
  cacheWrite1hMicros?: bigint;
}

/** PerMillion is a price set's $ per 1M figures as the catalog writes them, for display. */
export interface PerMillion {
  input: number;
  output: number;
  cachedInput?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
}

/** OffPeakPrice is a daily UTC window [from, to) — crossing midnight when to < from — and the prices in effect inside it. */
export interface OffPeakPrice extends PriceSet {
  from: string;
  to: string;
  /** from and to as minutes after UTC midnight. */
  fromMinute: number;
  toMinute: number;
  perMillion: PerMillion;
}

/** ModelPrice is one model's list price, held exactly, with the windows of the day that have prices of their own. */
export interface ModelPrice extends PriceSet {
  model: string;
  /** Who publishes the price ('' when the row does not say). */
  provider: string;
  /** The catalog's $ per 1M figures, for display (storage is carried, never billed). */
  perMillion: PerMillion & { cacheStoragePerHour?: number };
  /** Time-of-day windows; outside them the list price above is in effect. */
  offPeak: OffPeakPrice[];
  source: string;
  /** When the figures were read from the source. */
  asOf: string;
}

/** Catalog is a dated price list. */
export interface Catalog {
  asOf: string;
  currency: string;
  models: ModelPrice[];
  /** lookup finds a model's price by id, alias, or the longest catalog id the model id starts with. */
  lookup(model: string): ModelPrice | undefined;
}

/** catalogSchema validates a catalog file (or a scenario's inline `pricing.models`). */
export const catalogSchema = z.strictObject({
  asOf: priceDateSchema.default('unknown'),
  currency: z.literal('USD').default('USD'),
  models: z.record(z.string(), modelPriceSchema),
});

/** DEFAULT_CATALOG_URL is the catalog shipped with the package. */
export const DEFAULT_CATALOG_URL = new URL('../../pricing/catalog.yaml', import.meta.url);

/** loadCatalog reads and validates a catalog file (the shipped one by default). */
export async function loadCatalog(file: string | URL = DEFAULT_CATALOG_URL): Promise<Catalog> {
  return buildCatalog(await loadCatalogData(file));
}

/** loadCatalogData reads and validates a catalog file without building it (so overrides can be merged). */
export async function loadCatalogData(file: string | URL = DEFAULT_CATALOG_URL): Promise<z.output<typeof catalogSchema>> {
  const where = typeof file === 'string' ? file : file.pathname;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${where}: pricing catalog not found`);
  }
  const parsed = catalogSchema.safeParse(parse(text) as unknown);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** buildCatalog makes a Catalog from validated data; `overrides` (a scenario's pricing.models) win. */
export function buildCatalog(data: z.output<typeof catalogSchema>, overrides: Record<string, ModelPriceRow> = {}): Catalog {
  const scenarioRows = Object.fromEntries(Object.entries(overrides).map(([m, p]) => [m, { ...p, source: p.source || 'scenario' }]));
  const all = { ...data.models, ...scenarioRows };
  const models: ModelPrice[] = Object.entries(all).map(([model, p]) => ({
    model,
    provider: p.provider ?? '',
    ...priceSet(p),
    perMillion: { ...perMillion(p), ...(p.cacheStoragePerHour !== undefined ? { cacheStoragePerHour: p.cacheStoragePerHour } : {}) },
    offPeak: p.offPeak.map((w) => ({
      from: w.from,
      to: w.to,
      fromMinute: hhmmMinutes(w.from)!,
      toMinute: hhmmMinutes(w.to)!,
      ...priceSet(w),
      perMillion: perMillion(w),
    })),
    source: p.source,
    asOf: p.asOf ?? data.asOf,
  }));
  const byId = new Map<string, ModelPrice>();
  for (const m of models) byId.set(m.model.toLowerCase(), m);
  for (const [model, p] of Object.entries(all))
    for (const a of p.aliases) if (!byId.has(a.toLowerCase())) byId.set(a.toLowerCase(), byId.get(model.toLowerCase())!);
  return {
    asOf: data.asOf,
    currency: data.currency,
    models,
    lookup(model) {
      // Gemini's API may name a model models/…, Vertex's OpenAI-compatible endpoint google/….
      const id = model.toLowerCase().replace(/^(models|google)\//, '');
      const exact = byId.get(id);
      if (exact) return exact;
      // A dated or suffixed id (gpt-4o-2025-01-01, or Vertex's claude-3-5-sonnet@20240620) prices as its family: the
      // longest catalog id it starts with.
      let best: ModelPrice | undefined;
      for (const m of models) {
        const family = m.model.toLowerCase();
        if ((id.startsWith(`${family}-`) || id.startsWith(`${family}@`)) && (!best || m.model.length > best.model.length)) best = m;
      }
      return best;
    },
  };
}

type PriceFigures = Pick<ModelPriceRow, 'input' | 'output' | 'cachedInput' | 'cacheWrite' | 'cacheWrite1h'>;

// Exact prices from the catalog's $ per 1M figures; a component the row leaves out stays absent.
function priceSet(p: PriceFigures): PriceSet {
  return {
    inputMicros: priceMicros(p.input),
    outputMicros: priceMicros(p.output),
    ...(p.cachedInput !== undefined ? { cachedInputMicros: priceMicros(p.cachedInput) } : {}),
    ...(p.cacheWrite !== undefined ? { cacheWriteMicros: priceMicros(p.cacheWrite) } : {}),
    ...(p.cacheWrite1h !== undefined ? { cacheWrite1hMicros: priceMicros(p.cacheWrite1h) } : {}),
  };
}

function perMillion(p: PriceFigures): PerMillion {
  return {
    input: p.input,
    output: p.output,
    ...(p.cachedInput !== undefined ? { cachedInput: p.cachedInput } : {}),
    ...(p.cacheWrite !== undefined ? { cacheWrite: p.cacheWrite } : {}),
    ...(p.cacheWrite1h !== undefined ? { cacheWrite1h: p.cacheWrite1h } : {}),
  };
}

/**
 * catalogExcerpt is the part of a catalog that prices the given models, as catalog data (what
 * `catalogSchema` reads and buildCatalog builds from), keyed by the models' ids as the scenario
 * names them: a run keeps it (run.json), so a summary rebuilt later is priced as the run was,
 * whatever the shipped catalog says by then. Unpriced models are left out.
 */
export function catalogExcerpt(
  catalog: Catalog,
  models: readonly string[],
): { asOf: string; currency: string; models: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const model of new Set(models)) {
    const p = catalog.lookup(model);
    if (!p) continue;
    out[model] = {
      ...(p.provider ? { provider: p.provider } : {}),
      ...p.perMillion,
      ...(p.offPeak.length ? { offPeak: p.offPeak.map((w) => ({ from: w.from, to: w.to, ...w.perMillion })) } : {}),
      source: p.source,
      asOf: p.asOf,
    };
  }
  return { asOf: catalog.asOf, currency: catalog.currency, models: out };
}
