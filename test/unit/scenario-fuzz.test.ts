import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { Io } from '../../src/cli/io.js';
import { validateCommand } from '../../src/cli/validate.js';
import { loadScenario } from '../../src/scenario/load.js';
import { mutate, steps, type Json } from '../support/scenario-mutants.js';

// Property-based fuzzing of the scenario loader: every shipped scenario, mutated at random — a
// key deleted, renamed or added, a value replaced by anything (absurd numbers and durations,
// wrong types, huge strings), an array emptied or doubled — goes through `validate` as the CLI
// runs it (files it names, this machine's limits, the plan, the cost estimate). It must answer
// with a plan (exit 0) or with every problem, each naming a field and saying what is wrong
// (exit 2), and never crash. A failure prints the seed and the shrunk mutation to replay.

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

describe('scenario loader fuzzing (fast-check)', () => {
  let dir: string;
  let docs: { file: string; doc: Json }[];
  let n = 0;

  beforeAll(async () => {
    // Mutants are written beside links to the shipped data, so the files a scenario names resolve.
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-fuzz-'));
    for (const sub of ['datasets', 'traces']) await symlink(join(SCENARIOS, sub), join(dir, sub));
    // (scenarios/cost/ holds inputs to `bakeoff cost`, not scenarios.)
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.yaml'));
    docs = await Promise.all(files.map(async (file) => ({ file, doc: parseYaml(await readFile(join(SCENARIOS, file), 'utf8')) as Json })));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // validate, in-process as main() runs it: the exit code, stdout, and anything thrown.
  async function validate(doc: Json): Promise<{ code: ExitCode | 'threw'; out: string; err: string }> {
    const file = join(dir, `mutant-${n++}.json`);
    await writeFile(file, JSON.stringify(doc));
    let out = '';
    let err = '';
    const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`), env: {}, isTty: false };
    try {
      return { code: await validateCommand(file, { json: true, mock: true }, io), out, err };
    } catch (e) {
      return { code: 'threw', out, err: `${(e as Error).stack ?? String(e)}` };
    } finally {
      await rm(file, { force: true });
    }
  }

  it('every shipped scenario is valid as shipped (the fuzz starts from plans)', async () => {
    for (const { file, doc } of docs) expect((await validate(doc)).code, file).toBe(ExitCode.Ok);
  });

  it('a mutated scenario gets a plan (exit 0) or a list of problems naming fields (exit 2), never a crash', async () => {
    const outcomes = { valid: 0, invalid: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat(), steps, async (pick, mutation) => {
        const { file, doc } = docs[pick % docs.length]!;
        let mutant = JSON.parse(JSON.stringify(doc)) as Json;
        for (const s of mutation) mutant = mutate(mutant, s);
        const r = await validate(mutant);
        if (r.code === 'threw') throw new Error(`${file}: validate threw\n${r.err}`);
        expect([ExitCode.Ok, ExitCode.InvalidInput], `${file}: exit ${r.code}`).toContain(r.code);
        const answer = JSON.parse(r.out) as { valid?: false; problems?: { path: string; message: string }[] };
        outcomes[r.code === ExitCode.Ok ? 'valid' : 'invalid']++;
        if (r.code === ExitCode.InvalidInput) {
          expect(answer.valid).toBe(false);
          expect(answer.problems!.length).toBeGreaterThan(0);
          for (const p of answer.problems!) {
            expect(typeof p.path, file).toBe('string');
            expect(p.message.length, `${file}: ${p.path}`).toBeGreaterThan(0);
            // No leaked internals in the words (what the user wrote is quoted, and may say anything).
            const words = p.message.replace(/"(?:[^"\\]|\\.)*"/g, '""');
            expect(words, `${file}: ${p.path}: ${p.message}`).not.toMatch(/\[object Object\]|\bundefined\b|\bNaN\b/);
          }
        }
      }),
      { numRuns: 600, seed: Number(process.env.FUZZ_SEED ?? 20261130) },
    );
    // Both paths exercised: mutants the loader accepts go on to be planned and priced.
    console.log(`fuzz outcomes: ${JSON.stringify(outcomes)}`);
    expect(outcomes.valid, JSON.stringify(outcomes)).toBeGreaterThan(30);
    expect(outcomes.invalid, JSON.stringify(outcomes)).toBeGreaterThan(30);
  }, 120_000);

  it('a scenario file with random bytes changed parses to problems with a line number, never a crash', async () => {
    const texts = await Promise.all(
      ['quickstart.yaml', 'failover-drill.yaml', 'production-day.yaml'].map((f) => readFile(join(SCENARIOS, f), 'utf8')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 5 }),
        async (pick, edits) => {
          let text = texts[pick % texts.length]!;
          for (const [at, cut, put] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + put + text.slice(i + cut);
          }
          const file = join(dir, `garbled-${n++}.yaml`);
          await writeFile(file, text);
          const v = await loadScenario(file);
          await rm(file, { force: true });
          if (!v.ok) for (const p of v.problems) expect(p.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261130) },
    );
  }, 120_000);
});
