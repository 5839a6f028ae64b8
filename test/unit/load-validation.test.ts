import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelOf, type LoadModel } from '../../src/load/load-model.js';
import { planScenario } from '../../src/runner/plan.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { validateScenario, type Problem } from '../../src/scenario/validate.js';
import { loadTrace } from '../../src/workload/trace.js';

// The load block picks its model by the keys it sets (concurrency | rate | stages | trace); the
// schema and validate.ts's cross-field rules must accept each model's own options and name every
// mixture with its path. Trace files are checked line by line, bad lines named `file:LINE`.

type Doc = Record<string, unknown>;

/** withLoad is a minimal one-target scenario around a load block (and optional top-level keys). */
function withLoad(load: Doc, top: Doc = {}): Doc {
  return { name: 'load-rules', targets: [{ name: 'a', model: 'm', mock: {} }], load, ...top };
}

function valid(doc: Doc): Scenario {
  const v = validateScenario(doc);
  if (!v.ok) throw new Error(`expected valid, got ${JSON.stringify(v.problems)}`);
  return v.scenario;
}

function problems(doc: Doc): Problem[] {
  const v = validateScenario(doc);
  if (v.ok) throw new Error(`expected problems, got a valid scenario: ${JSON.stringify(v.scenario.load)}`);
  return v.problems;
}

describe('load block: valid models', () => {
  it.each<{ name: string; load: Doc; top?: Doc; model: LoadModel }>([
    { name: 'closed loop, duration', load: { concurrency: 4, duration: '10s' }, model: 'closed' },
    { name: 'closed loop, requests', load: { concurrency: 4, requests: 100 }, model: 'closed' },
    {
      name: 'closed ramp from 0 users',
      load: {
        stages: [
          { duration: '5s', concurrency: 8 },
          { duration: '5s', concurrency: 0 },
        ],
      },
      model: 'closed',
    },
    {
      name: 'closed ramp from 1 user, with a request cap',
      load: { concurrency: 1, stages: [{ duration: '5s', concurrency: 8 }], requests: 50 },
      model: 'closed',
    },
    { name: 'fixed rate, duration', load: { rate: 20, duration: '10s' }, model: 'open' },
    { name: 'fixed rate, requests', load: { rate: 20, requests: 100 }, model: 'open' },
    { name: 'fractional rate', load: { rate: 0.5, duration: '10s' }, model: 'open' },
    { name: 'poisson arrivals', load: { rate: 20, duration: '10s', arrivals: 'poisson' }, model: 'open' },
    { name: 'maxInFlight, overflow drop', load: { rate: 20, duration: '10s', maxInFlight: 8, overflow: 'drop' }, model: 'open' },
    { name: 'maxInFlight, overflow queue', load: { rate: 20, duration: '10s', maxInFlight: 8, overflow: 'queue' }, model: 'open' },
    {
      name: 'ramping rate from 0',
      load: {
        stages: [
          { duration: '2s', rate: 40 },
          { duration: '1s', rate: 40 },
        ],
      },
      model: 'open',
    },
    { name: 'ramping rate from a start rate', load: { rate: 5, stages: [{ duration: '2s', rate: 40 }] }, model: 'open' },
    {
      name: 'ramping rate with poisson arrivals and a warmup',
      load: { stages: [{ duration: '2s', rate: 40 }], arrivals: 'poisson', warmup: '1s' },
      model: 'open',
    },
    { name: 'trace', load: { trace: { file: 'trace.jsonl' } }, model: 'trace' },
    {
      name: 'trace at double speed, capped in flight',
      load: { trace: { file: 'trace.jsonl', timeScale: 0.5 }, maxInFlight: 4, overflow: 'queue' },
      model: 'trace',
    },
    { name: 'connection: fresh', load: { rate: 20, duration: '10s' }, top: { connection: 'fresh' }, model: 'open' },
    { name: 'connection: reuse', load: { concurrency: 1, requests: 1 }, top: { connection: 'reuse' }, model: 'closed' },
  ])('$name → valid, $model model', ({ load, top, model }) => {
    const s = valid(withLoad(load, top));
    expect(loadModelOf(s.load)).toBe(model);
  });

  it('fills the open-loop defaults: constant arrivals, overflow drop, timeScale 1, connection reuse', () => {
    const open = valid(withLoad({ rate: 20, duration: '10s' }));
    expect(open.load).toMatchObject({ rate: 20, duration: 10_000, arrivals: 'constant', overflow: 'drop' });
    expect(open.connection).toBe('reuse');
    const trace = valid(withLoad({ trace: { file: 't.jsonl' } }));
    expect(trace.load.trace).toEqual({ file: 't.jsonl', timeScale: 1 });
    const ramp = valid(withLoad({ stages: [{ duration: '1m30s', rate: 40 }] }));
    expect(ramp.load.stages).toEqual([{ duration: 90_000, rate: 40 }]);
  });
});

describe('load block: invalid combinations name the path and the fix', () => {
  it.each<{ name: string; load: Doc; top?: Doc; path: string; message: string }>([
    {
      name: 'rate and concurrency',
      load: { rate: 10, concurrency: 2, duration: '1s' },
      path: 'load',
      message: 'mixes closed loop (concurrency) and open loop',
    },
    { name: 'trace and concurrency', load: { trace: { file: 't.jsonl' }, concurrency: 2 }, path: 'load', message: 'choose one model' },
    {
      name: 'rate stages and concurrency stages',
      load: {
        stages: [
          { duration: '1s', rate: 10 },
          { duration: '1s', concurrency: 2 },
        ],
      },
      path: 'load',
      message: 'mixes closed loop',
    },
    {
      name: 'a stage with both rate and concurrency',
      load: { stages: [{ duration: '1s', rate: 10, concurrency: 2 }] },
      path: 'load',
      message: 'mixes closed loop',
    },
    {
      name: 'an open-loop stage with neither',
      load: { stages: [{ duration: '1s', rate: 10 }, { duration: '1s' }] },
      path: 'load.stages[1]',
      message: 'needs rate',
    },
    {
      name: 'a closed-loop stage with neither',
      load: { concurrency: 2, stages: [{ duration: '1s', concurrency: 4 }, { duration: '1s' }] },
      path: 'load.stages[1]',
      message: 'needs concurrency',
    },
    {
      name: 'stages with neither anywhere',
      load: { stages: [{ duration: '1s' }] },
      path: 'load.stages',
      message: 'each stage needs rate (open loop',
    },
    {
      name: 'stages plus duration',
      load: { stages: [{ duration: '1s', rate: 10 }], duration: '2s' },
      path: 'load.duration',
      message: 'the stages set the duration',
    },
    {
      name: 'closed stages plus duration',
      load: { stages: [{ duration: '1s', concurrency: 2 }], duration: '2s' },
      path: 'load.duration',
      message: 'remove duration',
    },
    { name: 'rate with no duration or requests', load: { rate: 10 }, path: 'load', message: 'needs duration (e.g. "30s") or requests' },
    {
      name: 'maxInFlight on a closed loop',
      load: { concurrency: 2, duration: '1s', maxInFlight: 4 },
      path: 'load.maxInFlight',
      message: 'applies to the open loop',
    },
    {
      name: 'arrivals on a closed loop',
      load: { concurrency: 2, duration: '1s', arrivals: 'poisson' },
      path: 'load.arrivals',
      message: 'applies to the open loop',
    },
    {
      name: 'trace plus rate',
      load: { trace: { file: 't.jsonl' }, rate: 10, duration: '1s' },
      path: 'load.trace',
      message: 'replays its own arrival times; remove rate and stages',
    },
    {
      name: 'trace plus rate stages',
      load: { trace: { file: 't.jsonl' }, stages: [{ duration: '1s', rate: 10 }] },
      path: 'load.trace',
      message: 'remove rate and stages',
    },
    {
      name: 'bad overflow value',
      load: { rate: 10, duration: '1s', overflow: 'block' },
      path: 'load.overflow',
      message: '"block" is not one of "drop", "queue"',
    },
    {
      name: 'bad arrivals value',
      load: { rate: 10, duration: '1s', arrivals: 'uniform' },
      path: 'load.arrivals',
      message: '"uniform" is not one of "constant", "poisson"',
    },
    { name: 'rate 0', load: { rate: 0, duration: '1s' }, path: 'load.rate', message: 'must be > 0, got 0' },
    {
      name: 'negative stage rate',
      load: { stages: [{ duration: '1s', rate: -1 }] },
      path: 'load.stages[0].rate',
      message: 'must be ≥ 0, got -1',
    },
    { name: 'stage without duration', load: { stages: [{ rate: 10 }] }, path: 'load.stages[0].duration', message: 'is required' },
    {
      name: 'stage duration without unit',
      load: { stages: [{ duration: '10', rate: 10 }] },
      path: 'load.stages[0].duration',
      message: '"10" is not a duration',
    },
    {
      name: 'misspelt stage key',
      load: { stages: [{ duration: '1s', rate: 10, concurency: 3 }] },
      path: 'load.stages[0].concurency',
      message: 'did you mean "concurrency"',
    },
    { name: 'empty stages', load: { stages: [] }, path: 'load.stages', message: '1' },
    { name: 'maxInFlight 0', load: { rate: 10, duration: '1s', maxInFlight: 0 }, path: 'load.maxInFlight', message: 'must be > 0, got 0' },
    {
      name: 'trace timeScale 0',
      load: { trace: { file: 't.jsonl', timeScale: 0 } },
      path: 'load.trace.timeScale',
      message: 'must be > 0, got 0',
    },
    { name: 'trace without file', load: { trace: { timeScale: 2 } }, path: 'load.trace.file', message: 'is required' },
    { name: 'trace with an empty file name', load: { trace: { file: '' } }, path: 'load.trace.file', message: 'must not be empty' },
    {
      name: 'bad connection value',
      load: { rate: 10, duration: '1s' },
      top: { connection: 'new' },
      path: 'connection',
      message: '"new" is not one of "reuse", "fresh"',
    },
  ])('$name → $path: …$message…', ({ load, top, path, message }) => {
    const ps = problems(withLoad(load, top));
    const at = ps.filter((p) => p.path === path);
    expect(at, `no problem at ${path}; got ${JSON.stringify(ps)}`).not.toHaveLength(0);
    expect(at.map((p) => p.message).join(' | ')).toContain(message);
  });

  it('reports every load problem at once', () => {
    const ps = problems(
      withLoad({ stages: [{ duration: '1s', rate: 10 }, { duration: '1s' }], duration: '5s', overflow: 'sometimes', maxInFlight: -1 }),
    );
    expect(ps.map((p) => p.path).sort()).toEqual(['load.duration', 'load.maxInFlight', 'load.overflow', 'load.stages[1]']);
  });
});

describe('planScenario: expected measured requests of an open loop', () => {
  it.each<{ name: string; load: Doc; expected: number }>([
    { name: 'rate 30/s for 2s', load: { rate: 30, duration: '2s' }, expected: 60 },
    { name: 'rate 30/s for 2s after a 1s warmup', load: { rate: 30, duration: '2s', warmup: '1s' }, expected: 60 },
    { name: 'rate 100/s, capped at 50 requests', load: { rate: 100, duration: '10s', requests: 50 }, expected: 50 },
    {
      name: 'ramp 0→40/s over 2s, then 40/s for 1s',
      load: {
        stages: [
          { duration: '2s', rate: 40 },
          { duration: '1s', rate: 40 },
        ],
      },
      expected: 80,
    },
    { name: 'ramp 0→100/s over 10s, first 2s warmup', load: { stages: [{ duration: '10s', rate: 100 }], warmup: '2s' }, expected: 480 },
  ])('$name → $expected, exact', ({ load, expected }) => {
    const plan = planScenario(valid(withLoad(load)));
    expect(plan.load).toMatch(/^open loop/);
    expect(plan.targets[0]).toMatchObject({ concurrency: null, expectedRequests: expected, exact: true });
  });

  it('a trace plan counts its entries', () => {
    const plan = planScenario(valid(withLoad({ trace: { file: 't.jsonl', timeScale: 0.5 } })), 30);
    expect(plan.load).toContain('trace replay t.jsonl (30 arrivals), time scale ×0.5');
    expect(plan.targets[0]).toMatchObject({ expectedRequests: 30, exact: true });
  });
});

describe('loadTrace', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-trace-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, lines: readonly string[], eol = '\n') => {
    const path = join(dir, name);
    await writeFile(path, lines.join(eol) + eol);
    return path;
  };

  const entries = async (path: string) => {
    const t = await loadTrace(path);
    if (!t.ok) throw new Error(`expected a good trace, got ${JSON.stringify(t.problems)}`);
    return t.entries;
  };

  it('offsetMs lines, out of order, with blank and # comment lines → sorted, offsets from the first', async () => {
    const path = await write('offsets.jsonl', [
      '# recorded 2024-05-01, offsets in ms',
      '{"offsetMs": 500, "inputTokens": 10, "maxTokens": 5}',
      '',
      '   ',
      '{"offsetMs": 100, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], "outputTokens": 7}',
      '  # an indented comment',
      '{"offsetMs": 300.5, "inputTokens": 20}',
    ]);
    expect(await entries(path)).toEqual([
      {
        offsetMs: 0,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
        maxTokens: 7,
      },
      { offsetMs: 200.5, inputTokens: 20 },
      { offsetMs: 400, inputTokens: 10, maxTokens: 5 },
    ]);
  });

  it('epoch-second timestamps become ms offsets from the earliest', async () => {
    const path = await write('epoch.jsonl', [
      '{"timestamp": 1700000000.25, "inputTokens": 5}',
      '{"timestamp": 1700000000, "inputTokens": 6}',
      '{"timestamp": 1700000001, "inputTokens": 7, "maxTokens": 9}',
    ]);
    const e = await entries(path);
    expect(e.map((x) => x.inputTokens)).toEqual([6, 5, 7]);
    expect(e[0]!.offsetMs).toBe(0);
    expect(e[1]!.offsetMs).toBeCloseTo(250, 3);
    expect(e[2]!.offsetMs).toBeCloseTo(1_000, 3);
    expect(e[2]!.maxTokens).toBe(9);
  });

  it('ISO-8601 timestamps (with T, Z, or a space) become ms offsets; CRLF line ends are fine', async () => {
    const path = await write(
      'iso.jsonl',
      [
        '{"timestamp": "2024-01-01T00:00:02.000Z", "inputTokens": 3}',
        '{"timestamp": "2024-01-01T00:00:00Z", "inputTokens": 1}',
        '{"timestamp": "2024-01-01 00:00:00.750", "inputTokens": 2}',
      ],
      '\r\n',
    );
    const e = await entries(path);
    expect(e.map((x) => [x.offsetMs, x.inputTokens])).toEqual([
      [0, 1],
      [750, 2],
      [2_000, 3],
    ]);
  });

  it('maxTokens wins over its outputTokens alias when both are given', async () => {
    const e = await entries(await write('both.jsonl', ['{"offsetMs": 0, "inputTokens": 1, "maxTokens": 4, "outputTokens": 99}']));
    expect(e).toEqual([{ offsetMs: 0, inputTokens: 1, maxTokens: 4 }]);
  });

  it('names every bad line as file:LINE (blank and comment lines still count as lines)', async () => {
    const path = await write('bad.jsonl', [
      '{"offsetMs": 0, "inputTokens": 5}', // 1 good
      'not json', // 2
      '{"inputTokens": 5}', // 3 no time
      '{"offsetMs": 5}', // 4 no input
      '', // 5 blank
      '# comment', // 6
      '{"offsetMs": -1, "inputTokens": 5}', // 7 negative offset
      '{"timestamp": "yesterday", "inputTokens": 5}', // 8 unparseable timestamp
      '{"offsetMs": 1, "inputTokens": 5, "prompt": "x"}', // 9 unknown key
      '{"offsetMs": 1, "inputTokens": 2.5}', // 10 fractional tokens
      '{"offsetMs": 1, "messages": [{"role": "robot", "content": "x"}]}', // 11 bad role
      '[1, 2]', // 12 not an object
      '{"offsetMs": 2, "inputTokens": 5}', // 13 good
    ]);
    const t = await loadTrace(path);
    if (t.ok) throw new Error('expected problems');
    expect(t.problems.map((p) => p.path)).toEqual([2, 3, 4, 7, 8, 9, 10, 11, 12].map((n) => `${path}:${n}`));
    const at = (n: number) => t.problems.find((p) => p.path === `${path}:${n}`)!.message;
    expect(at(2)).toContain('not valid JSON');
    expect(at(3)).toContain('needs offsetMs or timestamp');
    expect(at(4)).toContain('needs inputTokens or messages');
    expect(at(7)).toMatch(/offsetMs/);
    expect(at(8)).toContain('"yesterday" is neither epoch seconds nor an ISO-8601 date');
    expect(at(9)).toMatch(/prompt/);
    expect(at(10)).toMatch(/inputTokens/);
    expect(at(11)).toMatch(/messages/);
  });

  it('past 20 bad lines, lists the first 20 and counts the rest', async () => {
    const path = await write(
      'many-bad.jsonl',
      Array.from({ length: 25 }, (_, i) => `bad line ${i}`),
    );
    const t = await loadTrace(path);
    if (t.ok) throw new Error('expected problems');
    expect(t.problems).toHaveLength(21);
    expect(t.problems[19]!.path).toBe(`${path}:20`);
    expect(t.problems[20]).toEqual({ path, message: '…and 5 more bad lines' });
  });

  it('a missing file is one problem naming it', async () => {
    const path = join(dir, 'nope.jsonl');
    expect(await loadTrace(path)).toEqual({ ok: false, problems: [{ path, message: 'trace file not found' }] });
  });

  it.each([
    ['an empty file', 'empty.jsonl', [] as string[]],
    ['only comments and blank lines', 'comments.jsonl', ['# nothing here', '', '#{"offsetMs": 0, "inputTokens": 1}']],
  ])('%s has no entries', async (_name, file, lines) => {
    const path = join(dir, file);
    await writeFile(path, lines.join('\n'));
    expect(await loadTrace(path)).toEqual({ ok: false, problems: [{ path, message: 'trace has no entries' }] });
  });
});
