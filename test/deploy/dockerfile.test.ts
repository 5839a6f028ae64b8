import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The Dockerfile, read as text (no image is built here): a build stage that compiles, a runtime
// stage with production dependencies only, dist/, scenarios/ and pricing/, running as the
// non-root node user with bakeoff as its entrypoint. The build context leaves out what the
// image must not carry (node_modules, results, .git, environment files).

const ROOT = join(import.meta.dirname, '../..');

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

/** stagesOf splits a Dockerfile into its FROM stages (comments dropped, continuation lines joined). */
function stagesOf(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unparsed Dockerfile line: ${line}`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!;
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f![1]!, name: f![2], body: [] });
    } else if (op !== 'ARG' || stages.length > 0) {
      if (stages.length === 0) throw new Error(`${op} before the first FROM`);
      stages.at(-1)!.body.push({ op, args });
    }
  }
  return stages;
}

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = stagesOf(text);
const runtime = stages.at(-1)!;
const ops = (s: Stage, op: string) => s.body.filter((i) => i.op === op).map((i) => i.args);

describe('Dockerfile', () => {
  it("has a build stage and a runtime stage, both on one slim Node LTS image that package.json's engines accept", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
    const image = /^node:(\d+)-bookworm-slim$/.exec(stages[0]!.from);
    expect(image, stages[0]!.from).not.toBeNull();
    const major = Number(image![1]);
    // LTS lines are the even majors; the image's must be one the project declares it runs on.
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const least = /^>=(\d+)(?:\.\d+)*$/.exec(engines);
    expect(least, `engines.node: ${engines}`).not.toBeNull();
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(Number(least![1]));
    expect(major).toBeGreaterThanOrEqual(22);
    const build = stages.find((s) => s.name === 'build')!;
    expect(build).toBeDefined();
    expect(ops(build, 'RUN').join('\n')).toMatch(/npm ci\b/);
    expect(ops(build, 'RUN').join('\n')).toMatch(/npm run build/);
  });

  it('the runtime stage installs production dependencies only, without running scripts, and copies dist/ from the build', () => {
    const runs = ops(runtime, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci\b[^\n]*--omit=dev/);
    expect(runs).toMatch(/npm ci\b[^\n]*--ignore-scripts/);
    expect(runs).not.toMatch(/npm run build|npm install\b|npm i\b/);
    const copies = ops(runtime, 'COPY');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies.some((c) => /^package\.json package-lock\.json \.\/?$/.test(c))).toBe(true);
  });

  it('copies scenarios/ and pricing/ into the runtime stage (the catalog is read at run time)', () => {
    const copies = ops(runtime, 'COPY');
    expect(copies).toContain('scenarios ./scenarios');
    expect(copies).toContain('pricing ./pricing');
  });

  it('runs as a non-root user, in /app, with bakeoff as the entrypoint and a /results volume', () => {
    const users = ops(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.split(':')[0]!;
    expect(['root', '0']).not.toContain(user);
    expect(user).toBe('node');
    // USER comes after every RUN that needs root (the chown of /results).
    const lastUser = runtime.body.findLastIndex((i) => i.op === 'USER');
    expect(runtime.body.slice(lastUser).some((i) => i.op === 'RUN')).toBe(false);
    expect(ops(runtime, 'WORKDIR').at(-1)).toBe('/app');
    expect(ops(runtime, 'ENTRYPOINT').at(-1)).toBe('["node", "/app/dist/cli/main.js"]');
    expect(ops(runtime, 'CMD').at(-1)).toBe('["--help"]');
    expect(ops(runtime, 'VOLUME').at(-1)).toBe('["/results"]');
    expect(ops(runtime, 'RUN').join('\n')).toMatch(/chown node:node \/results/);
  });

  it('.dockerignore leaves out dependencies, build output, results, scratch files, git and env files', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist', 'results', '.scratch', '.git', '.vitest-tmp', '.env']) expect(ignored, p).toContain(p);
    // …but not what the Dockerfile copies.
    for (const p of ['src', 'scenarios', 'pricing', 'package.json', 'package-lock.json', 'tsconfig.json'])
      expect(ignored, p).not.toContain(p);
  });
});
