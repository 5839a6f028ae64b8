import { describe, expect, it } from 'vitest';
import {
  attemptColumn,
  feedsTargetGate,
  groupScopeOf,
  inLatency,
  inWarmupTally,
  isAttempt,
  isBilled,
  isCounted,
  isGeneratorFailure,
  isMeasured,
  isOutcome,
  isRetry,
  isTailFailure,
  isUserRequest,
  kindOfAttemptColumn,
  liveSeriesOf,
  OUTCOME_ATTEMPT,
  servedByOf,
} from '../../src/metrics/counting.js';
import { newResult, routeOutcome, type AttemptResult, type RequestResult, type RouteOutcome } from '../../src/metrics/request-result.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';

// What counts where, as one table: every rule of metrics/counting.ts for each kind of record
// (a direct attempt, a route's retry, a route outcome) that succeeded, failed on the target,
// failed on the generator's side, was answered 2xx then broken, or was warmup.

type End = 'ok' | 'error' | 'broken' | 'generator' | 'warmup';

// How a record ended: status and error kind (and phase, for warmup).
const ENDS: Record<End, { status: number; errorKind: ErrorKind | null; phase: 'measure' | 'warmup' }> = {
  ok: { status: 200, errorKind: null, phase: 'measure' },
  error: { status: 503, errorKind: 'http_5xx', phase: 'measure' },
  broken: { status: 200, errorKind: 'reset', phase: 'measure' }, // answered 2xx, the stream then broke
  generator: { status: 0, errorKind: 'aborted', phase: 'measure' },
  warmup: { status: 200, errorKind: null, phase: 'warmup' },
};

function attempt(end: End, over: Partial<AttemptResult> = {}): AttemptResult {
  const r = newResult({
    id: 1,
    phase: ENDS[end].phase,
    target: 'a',
    region: 'us-east-1',
    provider: 'mock',
    model: 'm',
    workload: 'chat',
    turn: 1,
    step: '',
    scheduledAtMs: 0,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 16,
  });
  return Object.assign(r, { status: ENDS[end].status, errorKind: ENDS[end].errorKind, endAtMs: 50 }, over);
}

function outcome(end: End): RouteOutcome {
  const served = ENDS[end].errorKind === null;
  const from = attempt(end, { target: 'b', route: 'chat', attempt: 2, parentId: 9 });
  return routeOutcome(from, {
    id: 9,
    target: 'chat',
    region: '',
    provider: 'route',
    route: 'chat',
    scheduledAtMs: 0,
    sentAtMs: 0,
    queuedMs: 0,
    attempts: 2,
    servedBy: served ? 'b' : '',
    timeLostMs: 20,
    failoverMs: served ? 30 : null,
  });
}

const RULES = {
  isOutcome,
  isAttempt,
  groupScopeOf,
  isMeasured,
  inWarmupTally,
  isUserRequest,
  isGeneratorFailure,
  isCounted,
  inLatency,
  isTailFailure,
  isBilled,
  servedByOf,
  isRetry,
  feedsTargetGate,
  liveSeriesOf,
} satisfies Record<string, (r: RequestResult) => unknown>;

type Row = { [K in keyof typeof RULES]: ReturnType<(typeof RULES)[K]> };

// The attempt columns: what a direct attempt gets. A retry and an outcome differ where the overrides say.
const direct: Record<End, Row> = {
  ok: row({}),
  error: row({ inLatency: false, isTailFailure: true, isBilled: false }),
  broken: row({ inLatency: false, isTailFailure: true }),
  generator: row({ isGeneratorFailure: true, isCounted: false, inLatency: false, isBilled: false }),
  warmup: row({ isMeasured: false, inWarmupTally: true, isCounted: false, inLatency: false, liveSeriesOf: 'warmup' }),
};

function row(over: Partial<Row>): Row {
  return {
    isOutcome: false,
    isAttempt: true,
    groupScopeOf: 'target',
    isMeasured: true,
    inWarmupTally: false,
    isUserRequest: true,
    isGeneratorFailure: false,
    isCounted: true,
    inLatency: true,
    isTailFailure: false,
    isBilled: true,
    servedByOf: '',
    isRetry: false,
    feedsTargetGate: true,
    liveSeriesOf: 'target',
    ...over,
  };
}

const asOutcome = (r: Row, end: End): Row => ({
  ...r,
  isOutcome: true,
  isAttempt: false,
  groupScopeOf: 'route',
  inWarmupTally: false, // its attempts are tallied
  isUserRequest: true,
  isBilled: false, // its attempts were billed
  servedByOf: ENDS[end].errorKind === null ? 'b' : '',
  feedsTargetGate: false,
  liveSeriesOf: r.isCounted ? 'route' : null,
});

const ends = Object.keys(ENDS) as End[];
const cases: [string, RequestResult, Row][] = [
  ...ends.map((e): [string, RequestResult, Row] => [`direct attempt, ${e}`, attempt(e), direct[e]]),
  ...ends.map((e): [string, RequestResult, Row] => [
    `route retry (attempt 2), ${e}`,
    attempt(e, { route: 'chat', attempt: 2, parentId: 9 }),
    { ...direct[e], isUserRequest: false, isRetry: true },
  ]),
  ...ends.map((e): [string, RequestResult, Row] => [`route outcome, ${e}`, outcome(e), asOutcome(direct[e], e)]),
];

describe('counting: what counts where', () => {
  it.each(cases)('%s', (_, r, expected) => {
    const got = Object.fromEntries(Object.entries(RULES).map(([name, rule]) => [name, rule(r)]));
    expect(got).toEqual(expected);
  });

  it('a route first attempt is neither a user request nor a retry', () => {
    const first = attempt('ok', { route: 'chat', attempt: 1, parentId: 9 });
    expect([isUserRequest(first), isRetry(first)]).toEqual([false, false]);
  });

  it("requests.csv's attempt column: the attempt number, 0 for an outcome, and back", () => {
    expect(attemptColumn(attempt('ok', { attempt: 3 }))).toBe(3);
    expect(attemptColumn(outcome('ok'))).toBe(OUTCOME_ATTEMPT);
    expect(OUTCOME_ATTEMPT).toBe(0); // docs/outputs.md
    expect([0, 1, 2].map(kindOfAttemptColumn)).toEqual(['outcome', 'attempt', 'attempt']);
  });
});
