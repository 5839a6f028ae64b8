import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** UplotAssets are uPlot's browser build and stylesheet, as text to inline, and the version they come from. */
export interface UplotAssets {
  js: string;
  css: string;
  version: string;
}

let cached: UplotAssets | undefined;

/**
 * uplotAssets reads uPlot's minified browser build (an IIFE defining the global `uPlot`) and its
 * stylesheet from the installed `uplot` package, once per process. uplot is a runtime dependency
 * pinned to an exact version, so an installed llm-bakeoff resolves the very files its lockfile
 * names; copying them into dist/ would add a build step that could drift from that pin.
 */
export function uplotAssets(): UplotAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const read = (path: string) => readFileSync(require.resolve(path), 'utf8');
  const pkg = JSON.parse(read('uplot/package.json')) as { version: string };
  cached = { js: read('uplot/dist/uPlot.iife.min.js'), css: read('uplot/dist/uPlot.min.css'), version: pkg.version };
  return cached;
}
