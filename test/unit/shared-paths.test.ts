import { describe, expect, it } from 'vitest';
import { sharedPaths, sharedPathWarning, withPathWarnings } from '../../src/runner/shared-paths.js';
import { validateScenario } from '../../src/scenario/validate.js';
import type { Scenario } from '../../src/scenario/schema.js';
import type { RunSummary } from '../../src/summary/run-summary.js';

// Region honesty: a target's region is a label; targets with different labels that reach one host measure one network
// path from this machine, and validate and run say so. A cloud target's URL is its region's own: no warning.

const scenarioOf = (targets: Record<string, unknown>[]): Scenario => {
  const v = validateScenario({
    name: 'regions',
    targets: targets.map((t, i) => ({ name: `t${i}`, model: 'm', ...t })),
    workload: { promptTokens: 16, maxTokens: 4 },
    load: { concurrency: 1, requests: 1 },
  });
  if (!v.ok) throw new Error(v.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return v.scenario;
};

describe('sharedPaths', () => {
  it.each([
    [
      'one preset URL, three labels',
      [
        { provider: 'openai', region: 'us-east-1' },
        { provider: 'openai', region: 'eu-west-1' },
        { provider: 'openai', region: 'ap-southeast-1' },
      ],
      [{ host: 'api.openai.com', targets: ['t0', 't1', 't2'], regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] }],
    ],
    [
      'one host, different paths',
      [
        { baseUrl: 'https://gw.example.com/us/v1', region: 'us' },
        { baseUrl: 'https://gw.example.com/eu/v1', region: 'eu' },
      ],
      [{ host: 'gw.example.com', targets: ['t0', 't1'], regions: ['us', 'eu'] }],
    ],
    [
      'same host, same label (two models side by side)',
      [
        { provider: 'openai', region: 'us' },
        { provider: 'openai', region: 'us', model: 'm2' },
      ],
      [],
    ],
    [
      'different hosts',
      [
        { baseUrl: 'https://us.example.com/v1', region: 'us' },
        { baseUrl: 'https://eu.example.com/v1', region: 'eu' },
      ],
      [],
    ],
    [
      'one host on different ports',
      [
        { baseUrl: 'http://127.0.0.1:8001/v1', region: 'us' },
        { baseUrl: 'http://127.0.0.1:8002/v1', region: 'eu' },
      ],
      [],
    ],
    [
      'azure resources in different regions',
      [
        { provider: 'azure-openai', region: 'eastus', azure: { endpoint: 'https://r-eastus.openai.azure.com', deployment: 'd' } },
        { provider: 'azure-openai', region: 'westeurope', azure: { endpoint: 'https://r-weu.openai.azure.com', deployment: 'd' } },
      ],
      [],
    ],
    [
      'vertex locations',
      [
        { provider: 'vertex', region: 'us', vertex: { project: 'my-project', location: 'us-central1' } },
        { provider: 'vertex', region: 'eu', vertex: { project: 'my-project', location: 'europe-west4' } },
      ],
      [],
    ],
    [
      'bedrock regions',
      [
        { provider: 'bedrock', region: 'us', bedrock: { region: 'us-east-1' } },
        { provider: 'bedrock', region: 'eu', bedrock: { region: 'eu-west-1' } },
      ],
      [],
    ],
    [
      "vertex's global location, two labels",
      [
        { provider: 'vertex', region: 'us', vertex: { project: 'my-project', location: 'global' } },
        { provider: 'vertex', region: 'eu', vertex: { project: 'my-project', location: 'global' } },
      ],
      [{ host: 'aiplatform.googleapis.com', targets: ['t0', 't1'], regions: ['us', 'eu'] }],
    ],
    [
      'mock targets: each has its own mock',
      [
        { provider: 'mock', region: 'us', mock: {} },
        { provider: 'mock', region: 'eu', mock: {} },
      ],
      [],
    ],
  ])('%s', (_, targets, expected) => {
    expect(sharedPaths(scenarioOf(targets), false)).toEqual(expected);
  });

  it('leaves every target out under --mock', () => {
    const s = scenarioOf([
      { provider: 'openai', region: 'us', mock: {} },
      { provider: 'openai', region: 'eu', mock: {} },
    ]);
    expect(sharedPaths(s, false)).toHaveLength(1);
    expect(sharedPaths(s, true)).toEqual([]);
  });
});

describe('sharedPathWarning', () => {
  it('names the targets, the host and what to do', () => {
    expect(sharedPathWarning({ host: 'api.openai.com', targets: ['a', 'b', 'c'], regions: ['us', 'eu'] })).toBe(
      'a, b and c all reach api.openai.com (regions us, eu): their `region` is a label; they measure one network path ' +
        'from this machine — run from each region (--agent-region, docs/scale-out.md) or use regional endpoints',
    );
    expect(sharedPathWarning({ host: 'h', targets: ['a', 'b'], regions: ['us', 'eu'] })).toMatch(/^a and b both reach h /);
  });

  it('withPathWarnings adds them to the summary warnings, after the generator’s own', () => {
    const summary = { generator: { warnings: ['busy'] } } as unknown as RunSummary;
    expect(withPathWarnings(summary, ['shared']).generator.warnings).toEqual(['busy', 'shared']);
    expect(withPathWarnings(summary, [])).toBe(summary);
  });
});
