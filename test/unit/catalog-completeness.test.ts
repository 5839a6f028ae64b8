import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_URL, loadCatalogData } from '../../src/cost/catalog.js';
import type { ModelPriceRow } from '../../src/scenario/price-row.js';

// Every row of every shipped catalog, as written: it names its provider, carries each price
// component that provider publishes (and none it does not), says where the figures came from and
// when they were read. A model whose provider publishes a cache price cannot ship without it — the
// bug this guards against billed DeepSeek cache hits at the cache-miss price.

type Component = 'input' | 'output' | 'cachedInput' | 'cacheWrite' | 'cacheWrite1h' | 'cacheStoragePerHour';
const COMPONENTS: readonly Component[] = ['input', 'output', 'cachedInput', 'cacheWrite', 'cacheWrite1h', 'cacheStoragePerHour'];

/** What each provider's pricing page publishes per model (text models, standard tier). */
const PUBLISHED: Record<string, { components: readonly Component[]; page: string }> = {
  // Input, cached input (a prompt-cache hit), output; cache writes cost nothing extra.
  openai: { components: ['input', 'output', 'cachedInput'], page: 'https://platform.openai.com/docs/pricing' },
  // Base input, 5m cache writes, 1h cache writes, cache hits & refreshes, output.
  anthropic: {
    components: ['input', 'output', 'cachedInput', 'cacheWrite', 'cacheWrite1h'],
    page: 'https://docs.anthropic.com/en/docs/about-claude/pricing',
  },
  // Input, output, context caching (reads), context caching storage per hour.
  google: { components: ['input', 'output', 'cachedInput', 'cacheStoragePerHour'], page: 'https://ai.google.dev/gemini-api/docs/pricing' },
  // Input (cache miss), input (cache hit), output.
  deepseek: { components: ['input', 'output', 'cachedInput'], page: 'https://api-docs.deepseek.com/quick_start/pricing' },
};

const examples = new URL('../../pricing/examples/', import.meta.url);
const files = [DEFAULT_CATALOG_URL, ...(await readdir(examples)).filter((f) => f.endsWith('.yaml')).map((f) => new URL(f, examples))];
const rows: [string, string, ModelPriceRow][] = [];
for (const file of files)
  for (const [model, row] of Object.entries((await loadCatalogData(file)).models))
    rows.push([file.pathname.replace(/.*\/pricing\//, 'pricing/'), model, row]);

describe('shipped catalogs', () => {
  it('include the default catalog and its examples', () => {
    expect(rows.filter(([f]) => f === 'pricing/catalog.yaml').map(([, m]) => m)).toEqual([
      'gpt-4o',
      'gpt-4o-mini',
      'claude-3-5-sonnet',
      'gemini-1.5-pro',
      'gemini-1.5-flash',
      'deepseek-v4-flash',
      'deepseek-chat',
    ]);
    expect(rows.length).toBeGreaterThan(7);
  });

  describe.each(rows)('%s: %s', (_file, _model, row) => {
    const published = PUBLISHED[row.provider ?? ''];

    it('names a provider the test knows', () => {
      expect(Object.keys(PUBLISHED)).toContain(row.provider);
    });

    it('carries every price component its provider publishes, and only those', () => {
      const carried = COMPONENTS.filter((c) => row[c] !== undefined);
      expect(carried).toEqual(COMPONENTS.filter((c) => published!.components.includes(c)));
    });

    it("cites the provider's pricing page and the date it was read", () => {
      expect(row.source.startsWith(published!.page)).toBe(true);
      expect(row.asOf).toMatch(/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/);
    });

    it('prices a cache hit below the input price and a cache write above it', () => {
      for (const p of [row, ...row.offPeak]) {
        if (p.cachedInput !== undefined) expect(p.cachedInput).toBeLessThan(p.input);
        if (p.cacheWrite !== undefined) expect(p.cacheWrite).toBeGreaterThan(p.input);
        if (p.cacheWrite1h !== undefined) expect(p.cacheWrite1h).toBeGreaterThan(p.cacheWrite ?? p.input);
      }
    });

    it('gives each off-peak window the components the row has', () => {
      for (const w of row.offPeak)
        for (const c of ['cachedInput', 'cacheWrite', 'cacheWrite1h'] as const) expect(w[c] === undefined, c).toBe(row[c] === undefined);
    });
  });
});
