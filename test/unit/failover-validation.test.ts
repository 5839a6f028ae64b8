import { describe, expect, it } from 'vitest';
import { validateScenario, type Problem } from '../../src/scenario/validate.js';

// The failover block at the boundary: defaults filled and durations in ms when valid; every
// problem named with its path when not (chains that name no target, a route named like a
// target, routing or a sweep beside failover).

type Doc = Record<string, unknown>;

/** withFailover is a two-target scenario around a failover block (and optional top-level keys). */
function withFailover(failover: unknown, top: Doc = {}): Doc {
  return {
    name: 'failover-rules',
    targets: [
      { name: 'primary', model: 'm', mock: {} },
      { name: 'fallback', model: 'm', mock: {} },
    ],
    load: { concurrency: 2, duration: '10s' },
    failover,
    ...top,
  };
}

function problems(doc: Doc): Problem[] {
  const v = validateScenario(doc);
  if (v.ok) throw new Error('expected problems, got a valid scenario');
  return v.problems;
}

describe('failover block: valid', () => {
  it('fills the defaults, with durations in ms', () => {
    const v = validateScenario(withFailover([{ name: 'chat', chain: ['primary', 'fallback'], attemptTimeouts: { firstToken: '1s' } }]));
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.scenario.failover).toEqual([
      {
        name: 'chat',
        chain: ['primary', 'fallback'],
        attemptTimeouts: { firstToken: 1_000 },
        on: [
          'connect_timeout',
          'connect_error',
          'tls_error',
          'ttft_timeout',
          'total_timeout',
          'http_429',
          'http_5xx',
          'reset',
          'stream_cut',
          'bad_stream',
          'stream_error',
        ],
        retry: {
          maxAttempts: 3,
          backoff: { initial: 100, max: 2_000, multiplier: 2, jitter: 0.2 },
          honorRetryAfter: true,
          budget: 0.2,
          minPerSec: 5,
        },
        breaker: { failures: 5, openFor: 5_000, halfOpenProbes: 1 },
      },
    ]);
  });

  it('reads every option', () => {
    const v = validateScenario(
      withFailover([
        {
          name: 'chat',
          chain: ['fallback', 'primary'],
          attemptTimeouts: { connect: '500ms', firstToken: '2s', total: '30s' },
          on: ['http_5xx'],
          retry: {
            maxAttempts: 2,
            backoff: { initial: '50ms', max: '1s', multiplier: 3, jitter: 0 },
            honorRetryAfter: false,
            budget: 0.5,
            minPerSec: 0,
          },
          breaker: { failures: 2, errorRate: { above: 0.5, window: '10s' }, openFor: '3s', halfOpenProbes: 2 },
          healthProbe: { interval: '1s' },
        },
      ]),
    );
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.scenario.failover![0]).toMatchObject({
      attemptTimeouts: { connect: 500, firstToken: 2_000, total: 30_000 },
      on: ['http_5xx'],
      retry: {
        maxAttempts: 2,
        backoff: { initial: 50, max: 1_000, multiplier: 3, jitter: 0 },
        honorRetryAfter: false,
        budget: 0.5,
        minPerSec: 0,
      },
      breaker: { failures: 2, errorRate: { above: 0.5, window: 10_000, minRequests: 20 }, openFor: 3_000, halfOpenProbes: 2 },
      healthProbe: { interval: 1_000, timeout: 2_000 },
    });
  });
});

describe('failover block: problems, each with its path', () => {
  it.each<[string, Doc, { path: string; message: RegExp }]>([
    [
      'a chain naming no target',
      withFailover([{ name: 'chat', chain: ['primary', 'backup'] }]),
      { path: 'failover[0].chain[1]', message: /"backup" is not a target of this scenario; use one of "primary", "fallback"/ },
    ],
    [
      'a route named like a target',
      withFailover([{ name: 'primary', chain: ['primary', 'fallback'] }]),
      { path: 'failover[0].name', message: /also a target name/ },
    ],
    [
      'two routes with one name',
      withFailover([
        { name: 'chat', chain: ['primary'] },
        { name: 'chat', chain: ['fallback'] },
      ]),
      { path: 'failover[1].name', message: /already used by failover\[0\]/ },
    ],
    [
      'routing beside failover',
      withFailover([{ name: 'chat', chain: ['primary'] }], { routing: [{ target: 'primary', weight: 1 }] }),
      { path: 'failover', message: /cannot be combined with routing/ },
    ],
    [
      'a sweep beside failover',
      withFailover([{ name: 'chat', chain: ['primary'] }], { load: { rate: 5, duration: '10s' }, sweep: { over: 'rate', values: [1, 2] } }),
      { path: 'failover', message: /cannot be combined with a sweep/ },
    ],
    ['an empty chain', withFailover([{ name: 'chat', chain: [] }]), { path: 'failover[0].chain', message: /./ }],
    [
      'an unknown error kind in on',
      withFailover([{ name: 'chat', chain: ['primary'], on: ['http_5xx', 'teapot'] }]),
      { path: 'failover[0].on[1]', message: /./ },
    ],
    [
      'an unknown key',
      withFailover([{ name: 'chat', chain: ['primary'], retries: 3 }]),
      { path: 'failover[0].retries', message: /unknown key; allowed here: name, chain, attemptTimeouts, on, retry, breaker, healthProbe/ },
    ],
  ])('%s', (_, doc, expected) => {
    const ps = problems(doc);
    expect(
      ps.some((p) => p.path === expected.path && expected.message.test(p.message)),
      JSON.stringify(ps),
    ).toBe(true);
  });

  it('collects every problem at once', () => {
    const ps = problems(
      withFailover([{ name: 'fallback', chain: ['nope', 'primary', 'gone'] }], { routing: [{ target: 'primary', weight: 1 }] }),
    );
    expect(ps.map((p) => p.path)).toEqual(
      expect.arrayContaining(['failover[0].name', 'failover[0].chain[0]', 'failover[0].chain[2]', 'failover']),
    );
  });
});
