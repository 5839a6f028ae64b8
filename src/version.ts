import { readFileSync } from 'node:fs';

/** TOOL names this build in every result file, so a number can be traced to the code that made it. */
export const TOOL: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
