import { describe, expect, it } from 'vitest';
import { validateScenario, type Problem, type Validation } from '../../src/scenario/validate.js';

// Workload mixes and routing at the boundary: every problem reported with its path and a hint,
// and a good mix passes with `workloads` always set.

type Doc = Record<string, unknown>;

const TARGETS = [
  { name: 'cheap', model: 'gpt-4o-mini', mock: {} },
  { name: 'premium', model: 'gpt-4o', mock: {} },
];

function scenario(fields: Doc): Doc {
  return { name: 'mix', targets: TARGETS, load: { concurrency: 2, duration: '10s' }, ...fields };
}

function problemsOf(v: Validation): Problem[] {
  if (v.ok) throw new Error(`expected problems, got a valid scenario: ${JSON.stringify(v.scenario)}`);
  return v.problems;
}

const chat = { name: 'chat', weight: 60, promptTokens: 200, turns: 3, thinkTimeMs: { dist: 'lognormal', median: 1500, sigma: 0.4 } };
const rag = {
  name: 'rag',
  weight: 25,
  promptTokens: { dist: 'empirical', values: [620, 700, 800] },
  maxTokens: { dist: 'uniform', min: 300, max: 400 },
};
const summary = { name: 'summary', weight: 10, promptTokens: 3000, sharedPrefixTokens: 1000 };
const replay = { name: 'replay', weight: 5, dataset: { file: 'chats.jsonl', order: 'sequential', outputLength: 'reference' }, turns: 2 };

describe('workload rules', () => {
  it.each([
    {
      name: 'workload and workloads both set',
      doc: scenario({ workload: { promptTokens: 10 }, workloads: [chat] }),
      path: 'workloads',
      message: 'set workload (one) or workloads (a weighted mix), not both',
    },
    {
      name: 'duplicate workload names',
      doc: scenario({ workloads: [chat, rag, { ...summary, name: 'chat' }] }),
      path: 'workloads[2].name',
      message: '"chat" is already used by workloads[0]',
    },
    {
      name: 'two unnamed workloads (both "default")',
      doc: scenario({ workloads: [{ promptTokens: 10 }, { promptTokens: 20 }] }),
      path: 'workloads[1].name',
      message: '"default" is already used by workloads[0]',
    },
    {
      name: 'sharedPrefixTokens longer than promptTokens (mix)',
      doc: scenario({ workloads: [chat, { ...summary, promptTokens: 500, sharedPrefixTokens: 501 }] }),
      path: 'workloads[1].sharedPrefixTokens',
      message: '501 is longer than promptTokens (500)',
    },
    {
      name: 'sharedPrefixTokens longer than promptTokens (single workload)',
      doc: scenario({ workload: { promptTokens: 64, sharedPrefixTokens: 100 } }),
      path: 'workload.sharedPrefixTokens',
      message: 'the prefix is part of the prompt',
    },
    {
      name: 'a dataset with promptTokens',
      doc: scenario({ workloads: [chat, { ...replay, promptTokens: 100 }] }),
      path: 'workloads[1].dataset',
      message: 'takes its prompts from the file; remove promptTokens and sharedPrefixTokens',
    },
    {
      name: 'a dataset with sharedPrefixTokens',
      doc: scenario({ workload: { dataset: { file: 'x.jsonl' }, sharedPrefixTokens: 10 } }),
      path: 'workload.dataset',
      message: 'remove promptTokens and sharedPrefixTokens',
    },
    {
      name: 'routing to an unknown target',
      doc: scenario({
        routing: [
          { target: 'cheap', weight: 80 },
          { target: 'premum', weight: 20 },
        ],
      }),
      path: 'routing[1].target',
      message: '"premum" is not a target of this scenario; use one of "cheap", "premium"',
    },
    { name: 'a zero weight', doc: scenario({ workloads: [{ ...chat, weight: 0 }] }), path: 'workloads[0].weight', message: 'must be > 0' },
    {
      name: 'a zero routing weight',
      doc: scenario({ routing: [{ target: 'cheap', weight: 0 }] }),
      path: 'routing[0].weight',
      message: 'must be > 0',
    },
    { name: 'zero turns', doc: scenario({ workload: { turns: 0 } }), path: 'workload.turns', message: 'must be > 0' },
    { name: 'fractional turns', doc: scenario({ workload: { turns: 1.5 } }), path: 'workload.turns', message: 'whole number' },
    {
      name: 'an empirical distribution without values',
      doc: scenario({ workload: { promptTokens: { dist: 'empirical', values: [] } } }),
      path: 'workload.promptTokens.values',
      message: '',
    },
    {
      name: 'an empirical distribution with a stray parameter',
      doc: scenario({ workload: { maxTokens: { dist: 'empirical', values: [1, 2], mean: 3 } } }),
      path: 'workload.maxTokens.mean',
      message: 'is not a parameter of dist empirical (allowed: dist, values)',
    },
    {
      name: 'a bad dataset order',
      doc: scenario({ workload: { dataset: { file: 'x.jsonl', order: 'shuffled' } } }),
      path: 'workload.dataset.order',
      message: '"shuffled" is not one of "random", "sequential"',
    },
    {
      name: 'a bad dataset outputLength',
      doc: scenario({ workload: { dataset: { file: 'x.jsonl', outputLength: 'max' } } }),
      path: 'workload.dataset.outputLength',
      message: 'is not one of "workload", "reference"',
    },
    {
      name: 'a dataset without a file',
      doc: scenario({ workload: { dataset: { order: 'random' } } }),
      path: 'workload.dataset.file',
      message: 'is required',
    },
    { name: 'an empty workload mix', doc: scenario({ workloads: [] }), path: 'workloads', message: '' },
    {
      name: 'a misspelt workload key',
      doc: scenario({ workloads: [{ ...chat, turn: 2 }] }),
      path: 'workloads[0].turn',
      message: 'did you mean "turns"',
    },
  ])('$name → $path', ({ doc, path, message }) => {
    const problems = problemsOf(validateScenario(doc));
    expect(problems, JSON.stringify(problems)).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('collects every workload problem at once', () => {
    const doc = scenario({
      workload: { promptTokens: 10 },
      workloads: [chat, { ...chat }, { ...summary, promptTokens: 10, sharedPrefixTokens: 20 }, { ...replay, promptTokens: 5 }],
      routing: [{ target: 'nowhere', weight: 1 }],
    });
    const paths = problemsOf(validateScenario(doc)).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'workloads',
        'workloads[1].name',
        'workloads[2].sharedPrefixTokens',
        'workloads[3].dataset',
        'routing[0].target',
      ]),
    );
  });

  it('a prefix as long as the prompt is fine (the prompt is all prefix)', () => {
    expect(validateScenario(scenario({ workload: { promptTokens: 100, sharedPrefixTokens: 100 } })).ok).toBe(true);
  });

  // The default promptTokens (128) bounds the prefix too.
  it('sharedPrefixTokens longer than the default promptTokens (128) is reported too', () => {
    const problems = problemsOf(validateScenario(scenario({ workload: { sharedPrefixTokens: 200 } })));
    expect(problems).toContainEqual({
      path: 'workload.sharedPrefixTokens',
      message: expect.stringContaining('longer than promptTokens (128, the default)'),
    });
  });
});

describe('valid mixes and routing', () => {
  it('a four-workload mix with routing passes, with defaults filled', () => {
    const v = validateScenario(
      scenario({
        workloads: [chat, rag, summary, replay],
        routing: [
          { target: 'cheap', weight: 80 },
          { target: 'premium', weight: 20 },
        ],
      }),
    );
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.scenario.workloads.map((w) => [w.name, w.weight, w.turns])).toEqual([
      ['chat', 60, 3],
      ['rag', 25, 1],
      ['summary', 10, 1],
      ['replay', 5, 2],
    ]);
    expect(v.scenario.workloads[3]!.dataset).toEqual({ file: 'chats.jsonl', order: 'sequential', outputLength: 'reference' });
    expect(v.scenario.workloads[0]!).toMatchObject({ sharedPrefixTokens: 0, maxTokens: 128, stream: true, encoding: 'o200k_base' });
    expect(v.scenario.routing).toEqual([
      { target: 'cheap', weight: 80 },
      { target: 'premium', weight: 20 },
    ]);
    expect('workload' in v.scenario).toBe(false);
  });

  it('a dataset defaults to random order and the workload’s output length', () => {
    const v = validateScenario(scenario({ workload: { dataset: { file: 'x.jsonl' } } }));
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.scenario.workloads[0]!.dataset).toEqual({ file: 'x.jsonl', order: 'random', outputLength: 'workload' });
  });

  it.each([
    { name: 'one workload', fields: { workload: { name: 'solo', promptTokens: 32 } }, names: ['solo'] },
    { name: 'no workload at all', fields: {}, names: ['default'] },
    { name: 'a one-item mix', fields: { workloads: [{ name: 'only' }] }, names: ['only'] },
  ])('normalizes $name into workloads', ({ fields, names }) => {
    const v = validateScenario(scenario(fields));
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.scenario.workloads.map((w) => w.name)).toEqual(names);
    expect(v.scenario.workloads[0]!.weight).toBe(1);
  });

  it('routing may name a target more than once and need not cover every target', () => {
    const v = validateScenario(
      scenario({
        routing: [
          { target: 'cheap', weight: 1 },
          { target: 'cheap', weight: 2 },
        ],
      }),
    );
    expect(v.ok).toBe(true);
  });
});
