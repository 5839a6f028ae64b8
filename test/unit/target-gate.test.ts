import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/client/chat-client.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';
import { refusalHint, TargetGate, type GatePolicy } from '../../src/runner/target-gate.js';

// A target's gate stops it for the rest of the run after `stopAfterRefusals` refusals — answers a retry will not
// change: 400, 401, 403, 404, a 3xx — with no success between them; the stop says what to fix.

const policy: GatePolicy = { maxRetryAfterMs: 60_000, errorBackoffMs: 1000, openAfterFailures: 5, stopAfterRefusals: 3 };

let at = 0;
function answer(status: number, kind: ErrorKind | null = status >= 400 && status !== 429 ? 'http_4xx' : null): RequestResult {
  at += 10;
  const r = newResult({
    id: at,
    phase: 'measure',
    target: 't',
    region: 'r',
    provider: 'openai',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: at,
    queuedMs: 0,
    inputTokens: 1,
    requestedOutputTokens: 1,
  });
  return Object.assign(r, { endAtMs: at + 5, status, errorKind: kind, errorMessage: kind ? `HTTP ${status}: no` : '' });
}

describe('TargetGate: stopping a target that refuses everything', () => {
  it('stops at the count, once; from then on closed for good (target_stopped)', () => {
    const g = new TargetGate(policy);
    expect(g.observe(answer(401))).toBeNull();
    expect(g.observe(answer(401))).toBeNull();
    const stop = g.observe(answer(401));
    expect(stop).toMatchObject({ afterRefusals: 3, kind: 'http_4xx', status: 401, message: 'HTTP 401: no' });
    expect(g.observe(answer(401))).toBeNull(); // told once
    expect(g.closedAt(1e9)).toEqual({ untilMs: Infinity, reason: 'target_stopped' });
    expect(g.rateLimitedAt(1e9)).toEqual({ untilMs: Infinity, reason: 'target_stopped' });
    // A success after the stop (a request already in flight) does not reopen it.
    g.observe(answer(200));
    expect(g.closedAt(1e9)?.reason).toBe('target_stopped');
  });

  it.each<[string, RequestResult[], boolean]>([
    ['a success between refusals starts the count over', [answer(400), answer(400), answer(200), answer(400), answer(400)], false],
    ['other failures between them neither count nor start it over', [answer(403), answer(500, 'http_5xx'), answer(403), answer(404)], true],
    ['a redirect is a refusal', [answer(307, 'redirect'), answer(301, 'redirect'), answer(308, 'redirect')], true],
    ['a 422 or a 429 is not', [answer(422), answer(429, 'http_429'), answer(422), answer(422)], false],
  ])('%s', (_, results, stopped) => {
    const g = new TargetGate(policy);
    for (const r of results) g.observe(r);
    expect(g.stopped !== null).toBe(stopped);
  });

  it('stopAfterRefusals: 0 never stops; the refusals then close the gate for a while, as any backoff failure', () => {
    const g = new TargetGate({ ...policy, stopAfterRefusals: 0 });
    for (let i = 0; i < 5; i++) g.observe(answer(401));
    expect(g.stopped).toBeNull();
    expect(g.closedAt(at)?.reason).toBe('unavailable');
  });

  it('while a stop is coming, refusals do not close the gate first (an open loop would take 30 s of pauses to reach it)', () => {
    const g = new TargetGate({ ...policy, stopAfterRefusals: 10 });
    for (let i = 0; i < 6; i++) g.observe(answer(401));
    expect(g.closedAt(at)).toBeNull();
  });
});

describe('refusalHint: what to fix, by refusal', () => {
  const endpoint = { target: 't', model: 'gpt-9', keySource: 'OPENAI_API_KEY' } as Endpoint;
  const stop = (status: number, message = '', kind: ErrorKind = 'http_4xx') => ({ atMs: 1, afterRefusals: 10, kind, status, message });
  it.each<[string, ReturnType<typeof stop>, RegExp]>([
    ['401: the key, by its variable', stop(401), /^check the key in OPENAI_API_KEY$/],
    [
      '403: permissions, a region block, model access',
      stop(403),
      /permissions of the key in OPENAI_API_KEY, a region block, .*access to the model gpt-9/,
    ],
    ['404: the model or deployment name', stop(404), /model or deployment name \(gpt-9\)/],
    [
      '400 context_length_exceeded',
      stop(400, "HTTP 400: This model's maximum context length is 8192 tokens"),
      /prompt is too long for the model gpt-9/,
    ],
    ['400 Anthropic: prompt is too long', stop(400, 'HTTP 400: prompt is too long: 210000 tokens > 200000 maximum'), /prompt is too long/],
    ['400 otherwise: the request itself', stop(400, 'HTTP 400: Unsupported parameter: temperature'), /refuses the request itself/],
    ['3xx: the baseUrl', stop(307, 'HTTP 307: redirect not followed', 'redirect'), /baseUrl/],
  ])('%s', (_, s, hint) => {
    expect(refusalHint(s, endpoint)).toMatch(hint);
  });

  it('a target that sends no key is told to set one', () => {
    expect(refusalHint(stop(401), { target: 't', model: 'm' } as Endpoint)).toMatch(/sends none: set apiKeyEnv/);
  });
});
