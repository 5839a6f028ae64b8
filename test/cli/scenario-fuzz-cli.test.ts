import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { cliEnv, ensureBuilt, runCli } from '../support/cli-process.js';
import { mutate, steps, type Json } from '../support/scenario-mutants.js';

// The fuzzing of test/unit/scenario-fuzz.test.ts, a few mutants through the real binary: exit 0 or
// 2 and never a stack trace or a "runtime failure" line.

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

describe('bakeoff validate on mutated scenarios', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-fuzz-cli-'));
    for (const sub of ['datasets', 'traces']) await symlink(join(SCENARIOS, sub), join(dir, sub));
  }, 130_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers every mutant with a plan or its problems', async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.yaml'));
    const docs = await Promise.all(files.map(async (f) => parseYaml(await readFile(join(SCENARIOS, f), 'utf8')) as Json));
    // The shipped quickstart as it is (the valid path), then eight mutants (mostly invalid).
    const quickstart = files.indexOf('quickstart.yaml');
    const mutants: [number, Parameters<typeof mutate>[1][]][] = [
      [quickstart, []],
      ...fc.sample(fc.tuple(fc.nat(), steps), { numRuns: 8, seed: 20261130 }),
    ];
    const codes: number[] = [];
    for (const [i, [pick, mutation]] of mutants.entries()) {
      let doc = JSON.parse(JSON.stringify(docs[pick % docs.length])) as Json;
      for (const s of mutation) doc = mutate(doc, s);
      const file = join(dir, `mutant-${i}.yaml`);
      await writeFile(file, JSON.stringify(doc));
      const res = await runCli(['validate', file, '--mock'], { env: cliEnv(), timeoutMs: 30_000 });
      const what = `${files[pick % files.length]} ${JSON.stringify(mutation).slice(0, 300)}\n${res.stderr}`;
      expect([ExitCode.Ok, ExitCode.InvalidInput], what).toContain(res.code);
      expect(res.stderr, what).not.toMatch(/^\s+at |BAKEOFF_DEBUG/m);
      if (res.code === ExitCode.InvalidInput) expect(res.stderr, what).toMatch(/problems?\n {2}\S/);
      else expect(res.stdout).toMatch(/: valid\n/);
      codes.push(res.code);
    }
    expect(codes[0]).toBe(ExitCode.Ok);
    expect(codes, 'some mutant is refused').toContain(ExitCode.InvalidInput);
  }, 120_000);
});
