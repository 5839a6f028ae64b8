import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { priceMicros } from './money.js';

/** ModelPrice is one model's list price, held exactly (integer µ$ per 1M tokens). */
export interface ModelPrice {
  model: string;
  inputMicros: bigint;
  outputMicros: bigint;
  /** Cached-input price; absent means cached input costs the same as input. */
  cachedInputMicros?: bigint;
  /** The catalog's $ per 1M figures, for display. */
  perMillion: { input: number; output: number; cachedInput?: number };
  source: string;
}

/** Catalog is a dated price list. */
export interface Catalog {
  asOf: string;
  currency: string;
  models: ModelPrice[];
  /** lookup finds a model's price by id, alias, or the longest catalog id the model id starts with. */
  lookup(model: string): ModelPrice | undefined;
}

const priceSchema = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  source: z.string().default(''),
  aliases: z.array(z.string()).default([]),
});

/** catalogSchema validates a catalog file (or a scenario's inline `pricing.models`). */
export const catalogSchema = z.strictObject({
  asOf: z.union([z.string(), z.date().transform((d) => d.toISOString().slice(0, 10))]).default('unknown'),
  currency: z.literal('USD').default('USD'),
  models: z.record(z.string(), priceSchema),
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
export function buildCatalog(data: z.output<typeof catalogSchema>, overrides: Record<string, z.output<typeof priceSchema>> = {}): Catalog {
  const all = { ...data.models, ...overrides };
  const models: ModelPrice[] = Object.entries(all).map(([model, p]) => ({
    model,
    inputMicros: priceMicros(p.input),
    outputMicros: priceMicros(p.output),
    ...(p.cachedInput !== undefined ? { cachedInputMicros: priceMicros(p.cachedInput) } : {}),
    perMillion: { input: p.input, output: p.output, ...(p.cachedInput !== undefined ? { cachedInput: p.cachedInput } : {}) },
    source: p.source,
  }));
  const byId = new Map<string, ModelPrice>();
  for (const m of models) byId.set(m.model.toLowerCase(), m);
  for (const [model, p] of Object.entries(all)) for (const a of p.aliases) if (!byId.has(a.toLowerCase())) byId.set(a.toLowerCase(), byId.get(model.toLowerCase())!);
  return {
    asOf: data.asOf,
    currency: data.currency,
    models,
    lookup(model) {
      const id = model.toLowerCase().replace(/^models\//, '');
      const exact = byId.get(id);
      if (exact) return exact;
      // A dated or suffixed id (gpt-4o-2025-01-01) prices as its family: the longest catalog id it starts with.
      let best: ModelPrice | undefined;
      for (const m of models) if (id.startsWith(m.model.toLowerCase() + '-') && (!best || m.model.length > best.model.length)) best = m;
      return best;
    },
  };
}
