import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenarioText } from '../../src/scenario/load.js';
import { validateScenario, type Problem, type Validation } from '../../src/scenario/validate.js';

type Doc = Record<string, unknown>;

function minimal(): Doc {
  return {
    name: 'minimal',
    targets: [{ name: 'local', model: 'gpt-4o-mini', mock: {} }],
    load: { concurrency: 2, duration: '10s' },
  };
}

/** withTarget returns the minimal document with its one target's fields replaced. */
function withTarget(fields: Doc): Doc {
  return { ...minimal(), targets: [{ name: 'local', model: 'gpt-4o-mini', ...fields }] };
}

function problemsOf(v: Validation): Problem[] {
  if (v.ok) throw new Error(`expected problems, got a valid scenario: ${JSON.stringify(v.scenario)}`);
  return v.problems;
}

describe('validateScenario: a valid minimal scenario', () => {
  const v = validateScenario(minimal());

  it('passes', () => {
    expect(v.ok).toBe(true);
  });

  it.each([
    ['seed', 1],
    ['workloads.0.stream', true],
    ['workloads.0.promptTokens', 128],
    ['workloads.0.maxTokens', 128],
    ['workloads.0.encoding', 'o200k_base'],
    ['workloads.0.tokenLimitField', undefined], // unset: the target's preset decides
    ['load.duration', 10_000],
    ['timeouts.connect', 10_000],
    ['timeouts.firstToken', 60_000],
    ['timeouts.total', 300_000],
    ['targets.0.region', 'default'],
    ['targets.0.provider', 'openai-compatible'],
    ['targets.0.mock.ttftMs', 150],
    ['targets.0.headers', {}],
  ])('default %s = %j', (path, expected) => {
    if (!v.ok) throw new Error('invalid');
    expect(path.split('.').reduce<unknown>((o, k) => (o as Doc)[k], v.scenario)).toEqual(expected);
  });

  it.each([
    ['5s', { durationMs: 5000 }],
    ['1m30s', { durationMs: 90_000 }],
    [10, { requests: 10 }],
    [0, { requests: 0 }],
  ])('warmup %j becomes %j', (warmup, expected) => {
    const r = validateScenario({ ...minimal(), load: { concurrency: 1, requests: 50, warmup } });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.scenario.load.warmup).toEqual(expected);
  });

  it('accepts a real baseUrl target with apiKeyEnv and extra body keys', () => {
    const r = validateScenario(withTarget({ baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY', body: { temperature: 0 } }));
    expect(r.ok).toBe(true);
  });
});

describe('validateScenario: invalid documents', () => {
  it.each<{ name: string; doc: unknown; path: string; message: string }>([
    {
      name: 'misspelt key gets a suggestion',
      doc: { ...minimal(), load: { concurency: 2, duration: '1s' } },
      path: 'load.concurency',
      message: 'unknown key (did you mean "concurrency"?)',
    },
    {
      name: 'unknown key far from any known one lists the allowed keys',
      doc: { ...minimal(), zzzzzz: 1 },
      path: 'zzzzzz',
      message:
        'allowed here: name, description, seed, targets, workload, workloads, routing, load, timeouts, sweep, pricing, budget, slo, goodput, thresholds, failover, connection',
    },
    {
      name: 'baseUrl not http(s)',
      doc: withTarget({ baseUrl: 'htp://x' }),
      path: 'targets[0].baseUrl',
      message: '"htp://x" is not an http(s) URL',
    },
    {
      name: 'baseUrl not a URL at all',
      doc: withTarget({ baseUrl: 'api.openai.com' }),
      path: 'targets[0].baseUrl',
      message: 'is not an http(s) URL',
    },
    { name: 'neither baseUrl nor mock', doc: withTarget({}), path: 'targets[0]', message: 'needs baseUrl' },
    {
      name: 'unknown provider preset',
      doc: withTarget({ provider: 'antropic' }),
      path: 'targets[0].provider',
      message: '"antropic" is not one of',
    },
    {
      name: 'duplicate target names',
      doc: {
        ...minimal(),
        targets: [
          { name: 't', model: 'm', mock: {} },
          { name: 'u', model: 'm', mock: {} },
          { name: 't', model: 'm', mock: {} },
        ],
      },
      path: 'targets[2].name',
      message: '"t" is already used by targets[0]',
    },
    { name: 'load without duration or requests', doc: { ...minimal(), load: { concurrency: 1 } }, path: 'load', message: 'needs duration' },
    {
      name: 'duration without unit',
      doc: { ...minimal(), load: { concurrency: 1, duration: '30' } },
      path: 'load.duration',
      message: '"30" is not a duration',
    },
    {
      name: 'duration as a number',
      doc: { ...minimal(), load: { concurrency: 1, duration: 30 } },
      path: 'load.duration',
      message: '"30s", got 30',
    },
    {
      name: 'bad timeout',
      doc: { ...minimal(), timeouts: { total: 'forever' } },
      path: 'timeouts.total',
      message: '"forever" is not a duration',
    },
    {
      name: 'bad warmup',
      doc: { ...minimal(), load: { concurrency: 1, duration: '1s', warmup: 'soon' } },
      path: 'load.warmup',
      message: '"soon" is not a duration',
    },
    {
      name: 'fractional warmup count',
      doc: { ...minimal(), load: { concurrency: 1, duration: '1s', warmup: 2.5 } },
      path: 'load.warmup',
      message: 'write a duration such as "5s" or a request count',
    },
    {
      name: 'negative concurrency',
      doc: { ...minimal(), load: { concurrency: -1, duration: '1s' } },
      path: 'load.concurrency',
      message: 'must be > 0, got -1',
    },
    {
      name: 'zero concurrency',
      doc: { ...minimal(), load: { concurrency: 0, duration: '1s' } },
      path: 'load.concurrency',
      message: 'must be > 0, got 0',
    },
    {
      name: 'zero target concurrency',
      doc: withTarget({ mock: {}, concurrency: 0 }),
      path: 'targets[0].concurrency',
      message: 'must be > 0',
    },
    {
      name: 'fractional concurrency',
      doc: { ...minimal(), load: { concurrency: 1.5, duration: '1s' } },
      path: 'load.concurrency',
      message: '1.5',
    },
    {
      name: 'concurrency as a string',
      doc: { ...minimal(), load: { concurrency: '4', duration: '1s' } },
      path: 'load.concurrency',
      message: 'expected number, got string "4"',
    },
    {
      name: 'stream as a string',
      doc: { ...minimal(), workload: { stream: 'yes' } },
      path: 'workload.stream',
      message: 'expected boolean, got string "yes"',
    },
    { name: 'seed as a string', doc: { ...minimal(), seed: 'abc' }, path: 'seed', message: 'expected number' },
    { name: 'targets not an array', doc: { ...minimal(), targets: { name: 't' } }, path: 'targets', message: 'expected array' },
    { name: 'missing targets', doc: { name: 'x', load: { concurrency: 1, duration: '1s' } }, path: 'targets', message: 'is required' },
    { name: 'empty targets array', doc: { ...minimal(), targets: [] }, path: 'targets', message: 'needs at least one target' },
    {
      name: 'document not an object',
      doc: [],
      path: '(root)',
      message: 'is array, not a scenario; a scenario is a mapping with name, targets and load',
    },
    { name: 'bad scenario name', doc: { ...minimal(), name: 'bad name' }, path: 'name', message: '"bad name" is not a valid name' },
    { name: 'empty model', doc: withTarget({ model: '', mock: {} }), path: 'targets[0].model', message: 'is empty' },
    {
      name: 'unknown encoding',
      doc: { ...minimal(), workload: { encoding: 'p50k' } },
      path: 'workload.encoding',
      message: '"p50k" is not one of "o200k_base", "cl100k_base"',
    },
    {
      name: 'distribution missing a parameter',
      doc: withTarget({ mock: { ttftMs: { dist: 'normal', mean: 100 } } }),
      path: 'targets[0].mock.ttftMs.stddev',
      message: 'is required',
    },
    {
      name: 'distribution that is a string',
      doc: withTarget({ mock: { itlMs: 'fast' } }),
      path: 'targets[0].mock.itlMs',
      message: 'write a number, or a distribution such as { dist: normal',
    },
    {
      name: 'negative constant distribution',
      doc: withTarget({ mock: { ttftMs: -5 } }),
      path: 'targets[0].mock.ttftMs',
      message: 'must be ≥ 0, got -5',
    },
    {
      name: 'lognormal with zero median',
      doc: withTarget({ mock: { ttftMs: { dist: 'lognormal', median: 0, sigma: 1 } } }),
      path: 'targets[0].mock.ttftMs.median',
      message: 'must be > 0',
    },
    {
      name: 'unknown distribution name',
      doc: withTarget({ mock: { ttftMs: { dist: 'gauss', mean: 1 } } }),
      path: 'targets[0].mock.ttftMs.dist',
      message: '"gauss"',
    },
    {
      name: 'body sets reserved model',
      doc: withTarget({ mock: {}, body: { model: 'other', temperature: 0 } }),
      path: 'targets[0].body',
      message: 'may not set model',
    },
    {
      name: 'body sets reserved stream',
      doc: withTarget({ mock: {}, body: { stream: false } }),
      path: 'targets[0].body',
      message: 'may not set',
    },
    {
      name: 'apiKeyEnv is a key, not a variable name',
      doc: withTarget({ baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'sk-123' }),
      path: 'targets[0].apiKeyEnv',
      message: '"sk-123" is not an environment variable name',
    },
    {
      name: 'header value not a string',
      doc: withTarget({ mock: {}, headers: { 'x-n': 1 } }),
      path: 'targets[0].headers.x-n',
      message: 'expected string',
    },
  ])('$name → $path', ({ doc, path, message }) => {
    const problems = problemsOf(validateScenario(doc));
    const atPath = problems.filter((p) => p.path === path);
    expect(atPath, JSON.stringify(problems)).not.toHaveLength(0);
    expect(atPath.map((p) => p.message).join('\n')).toContain(message);
  });

  // A key valid for another dist must not be suggested for itself; the message names this dist's keys.
  it('does not suggest the unknown key itself for a distribution key valid in another dist', () => {
    const problems = problemsOf(validateScenario(withTarget({ mock: { ttftMs: { dist: 'uniform', min: 1, max: 2, mean: 3 } } })));
    const p = problems.find((x) => x.path === 'targets[0].mock.ttftMs.mean');
    expect(p).toBeDefined();
    expect(p!.message).not.toContain('did you mean "mean"');
    expect(p!.message).toContain('allowed: dist, min, max');
  });

  // zod 4 reports an unknown discriminator as invalid_union with `options`: the message names them.
  it('names the valid distributions for an unknown dist', () => {
    const problems = problemsOf(validateScenario(withTarget({ mock: { ttftMs: { dist: 'gauss', mean: 1 } } })));
    expect(problems.map((p) => p.message).join('\n')).toContain('lognormal');
  });

  // Type errors keep the schema's own hints (durations) and say "whole number" for integers.
  it.each([
    {
      doc: { ...minimal(), load: { concurrency: 1, duration: 30 } },
      path: 'load.duration',
      message: 'expected a duration string such as "30s"',
    },
    { doc: { ...minimal(), load: { concurrency: 1.5, duration: '1s' } }, path: 'load.concurrency', message: 'expected a whole number' },
  ])('type error at $path keeps the hint $message', ({ doc, path, message }) => {
    const p = problemsOf(validateScenario(doc)).find((x) => x.path === path);
    expect(p?.message).toContain(message);
  });

  it('reports every mistake at once, each at its own path', () => {
    const doc = {
      name: 'bad name',
      seed: 'x',
      targets: [
        { name: 't', model: 'm', baseUrl: 'htp://x', apiKeyEnv: '1x' },
        { name: 't', model: '' },
      ],
      workload: { stream: 'yes' },
      load: { concurency: 2 },
      timeouts: { connect: '5' },
      extra: true,
    };
    const paths = problemsOf(validateScenario(doc)).map((p) => p.path);
    expect(paths.length).toBeGreaterThanOrEqual(5);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual(
      expect.arrayContaining([
        'name',
        'seed',
        'targets[0].baseUrl',
        'targets[0].apiKeyEnv',
        'targets[1]',
        'targets[1].name',
        'targets[1].model',
        'workload.stream',
        'load',
        'load.concurency',
        'timeouts.connect',
        'extra',
      ]),
    );
  });
});

describe('parseScenarioText', () => {
  it.each([
    { name: 'YAML', text: 'name: x\nload:\n  concurrency: 1\n', format: 'yaml' as const, doc: { name: 'x', load: { concurrency: 1 } } },
    { name: 'JSON as YAML', text: '{"name": "x", "seed": 3}', format: 'yaml' as const, doc: { name: 'x', seed: 3 } },
    { name: 'JSON', text: '{"name": "x", "seed": 3}', format: 'json' as const, doc: { name: 'x', seed: 3 } },
  ])('parses $name', ({ text, format, doc }) => {
    expect(parseScenarioText(text, format)).toEqual({ ok: true, doc });
  });

  it.each([
    { name: 'tab indentation', text: 'name: x\nload:\n  concurrency: 1\n\tduration: 1s\n', line: '4', message: 'invalid YAML' },
    { name: 'duplicate key', text: 'name: x\nseed: 1\nseed: 2\n', line: '3', message: 'Map keys must be unique' },
    { name: 'unclosed flow sequence', text: 'name: x\ntargets: [\n', line: '3', message: 'invalid YAML' },
  ])('YAML error ($name) is reported at its line', ({ text, line, message }) => {
    const r = parseScenarioText(text, 'yaml');
    if (r.ok) throw new Error('expected a syntax error');
    expect(r.problems.map((p) => p.path)).toContain(line);
    expect(r.problems.map((p) => p.message).join('\n')).toContain(message);
  });

  // The message says what is wrong and shows the line, never ending at "line 5, column 1:" with nothing after it.
  it.each([
    [
      'name: x\nload:\n  concurrency: 1\n\tduration: 1s\n',
      'Tabs are not allowed as indentation (TAB_AS_INDENT); column 1 of "\\tduration: 1s"',
    ],
    ['name: x\nseed: 1\nseed: 2\n', 'Map keys must be unique (DUPLICATE_KEY); column 1 of "seed: 2"'],
    ['name: x\ntargets: [\n', 'must be sufficiently indented and end with a ] (BAD_INDENT); at the end of the file'],
  ])('YAML error %j: the reason, its code and the line', (text, message) => {
    const r = parseScenarioText(text, 'yaml');
    if (r.ok) throw new Error('expected a syntax error');
    const messages = r.problems.map((p) => p.message);
    expect(messages.join('\n')).toContain(message);
    for (const m of messages) expect(m).not.toMatch(/:\s*$|at line \d+/);
  });

  it('JSON error is reported as invalid JSON', () => {
    const r = parseScenarioText('{"name": "x",}', 'json');
    if (r.ok) throw new Error('expected a syntax error');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/^invalid JSON: /);
  });
});

describe('loadScenario', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(file: string, text: string): Promise<string> {
    const path = join(dir, file);
    await writeFile(path, text);
    return path;
  }

  it.each([
    [
      'ok.yaml',
      'name: ok\ntargets:\n  - name: a\n    model: m\n    mock: { ttftMs: 100 }\nload:\n  concurrency: 1\n  warmup: 5s\n  requests: 20\n',
    ],
    ['ok.json', JSON.stringify(minimal())],
    ['OK.JSON', JSON.stringify(minimal())],
  ])('loads a valid %s', async (file, text) => {
    const v = await loadScenario(await write(file, text));
    expect(v.ok, JSON.stringify(v)).toBe(true);
  });

  it('validates what it loaded', async () => {
    const v = await loadScenario(await write('invalid.yaml', 'name: x\ntargets: []\nload: { concurrency: 1, duration: 1s }\n'));
    expect(problemsOf(v)).toEqual([{ path: 'targets', message: 'needs at least one target' }]);
  });

  it('reports a YAML syntax error with file and line', async () => {
    const file = await write('broken.yaml', 'name: x\nseed: 1\nseed: 2\n');
    expect(problemsOf(await loadScenario(file))).toContainEqual({ path: `${file}:3`, message: expect.stringContaining('invalid YAML') });
  });

  it('reports a JSON parse error for a .json file', async () => {
    // Valid YAML but invalid JSON: the extension decides the parser.
    const file = await write('broken.json', 'name: x\n');
    const problems = problemsOf(await loadScenario(file));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path.startsWith(file)).toBe(true);
    expect(problems[0]!.message).toContain('invalid JSON');
  });

  it('reports a missing file', async () => {
    const file = join(dir, 'nope.yaml');
    expect(problemsOf(await loadScenario(file))).toEqual([{ path: file, message: expect.stringContaining('file not found') }]);
  });
});
