import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package's command name: an unrelated npm package is called `bakeoff`, so `npx bakeoff` outside a checkout runs
// someone else's code. `npx llm-bakeoff` resolves to this package (its name) and its bin of that name; `bakeoff` stays
// as the short name inside the project.

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };

// Every file a user reads a command from: README, docs, scenarios, examples, deploy.
const TEXT = /\.(md|ya?ml|sh|json)$/;
const userFacing = (): string[] => [
  join(ROOT, 'README.md'),
  join(ROOT, 'Dockerfile'),
  ...['docs', 'scenarios', 'examples', 'deploy'].flatMap((d) =>
    readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' })
      .filter((f) => TEXT.test(f))
      .map((f) => join(ROOT, d, f)),
  ),
];

describe('the command name', () => {
  it('package.json: `npx llm-bakeoff` runs the CLI (a bin named as the package), `bakeoff` too', () => {
    expect(pkg.name).toBe('llm-bakeoff');
    expect(pkg.bin['llm-bakeoff']).toBe('dist/cli/main.js');
    expect(pkg.bin.bakeoff).toBe(pkg.bin['llm-bakeoff']);
  });

  it('no doc tells a user to `npx bakeoff`', () => {
    const files = userFacing();
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/npx\s+(--?\S+\s+)*bakeoff\b/.test(line) && !/never `npx bakeoff`/i.test(line) ? [`${f}:${i + 1}`] : [])),
    );
    expect(offenders).toEqual([]);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('`npx llm-bakeoff`');
  });
});
