import { describe, expect, it } from 'vitest';
import { errorKindForError, errorKindForStatus } from '../../src/client/error-kind.js';
import { ERROR_KINDS, ERROR_OWNERS, FAILOVER_TRIGGERS, type ErrorKind, type ErrorOwner } from '../../src/scenario/error-kinds.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { assessValidity, GENERATOR_FAILURE_LIMIT } from '../../src/summary/validity.js';

// Every failure has an owner: the target, the network between, or the generator itself. The
// generator's own failures (its descriptors, its lateness, the user's abort) never count against
// a target, and enough of them make the run invalid.

describe('error kinds and their owners', () => {
  it.each<[ErrorKind, ErrorOwner]>([
    ['http_429', 'target'],
    ['http_4xx', 'target'],
    ['http_5xx', 'target'],
    ['reset', 'target'],
    ['stream_cut', 'target'],
    ['bad_stream', 'target'],
    ['stream_error', 'target'],
    ['empty_response', 'target'],
    ['ttft_timeout', 'target'],
    ['total_timeout', 'target'],
    ['circuit_open', 'target'],
    ['connect_timeout', 'network'],
    ['connect_error', 'network'],
    ['local_resource', 'generator'],
    ['client_overload', 'generator'],
    ['aborted', 'generator'],
    ['other', 'generator'],
  ])('%s is owned by the %s', (kind, owner) => {
    expect(ERROR_OWNERS[kind]).toBe(owner);
  });

  it('every kind has an owner, and no generator-owned kind can trigger a failover', () => {
    for (const k of ERROR_KINDS) expect(ERROR_OWNERS[k], k).toBeDefined();
    for (const k of FAILOVER_TRIGGERS) expect(ERROR_OWNERS[k], k).not.toBe('generator');
  });

  it.each<[string, unknown, ErrorKind]>([
    ['EMFILE (out of file descriptors)', { code: 'EMFILE' }, 'local_resource'],
    ['ENFILE', { code: 'ENFILE' }, 'local_resource'],
    ['ENOBUFS', { code: 'ENOBUFS' }, 'local_resource'],
    ['EADDRNOTAVAIL (no local port left)', Object.assign(new Error('connect'), { cause: { code: 'EADDRNOTAVAIL' } }), 'local_resource'],
    ['ECONNREFUSED', { code: 'ECONNREFUSED' }, 'connect_error'],
    ['ENOTFOUND (DNS)', { code: 'ENOTFOUND' }, 'connect_error'],
    ['undici connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT' }, 'connect_timeout'],
    ['ECONNRESET', { code: 'ECONNRESET' }, 'reset'],
    ['an HTTP parser error', { code: 'HPE_INVALID_CHUNK_SIZE' }, 'bad_stream'],
    ['something unknown', new Error('boom'), 'other'],
  ])('%s → %s', (_, err, kind) => {
    expect(errorKindForError(err)).toBe(kind);
  });

  it.each<[number, ErrorKind]>([
    [429, 'http_429'],
    [401, 'http_4xx'],
    [404, 'http_4xx'],
    [500, 'http_5xx'],
    [503, 'http_5xx'],
  ])('HTTP %d → %s', (status, kind) => {
    expect(errorKindForStatus(status)).toBe(kind);
  });
});

let id = 0;
function result(kind: ErrorKind | null, over: Partial<RequestResult> = {}): RequestResult {
  const r = newResult({
    id: id++,
    phase: 'measure',
    target: 't',
    region: 'r',
    provider: 'mock',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: id * 10,
    queuedMs: 0,
    inputTokens: 10,
    requestedOutputTokens: 4,
  });
  Object.assign(r, { sentAtMs: r.scheduledAtMs, endAtMs: r.scheduledAtMs + 50 });
  if (kind === null)
    Object.assign(r, {
      status: 200,
      headersAtMs: r.scheduledAtMs + 5,
      firstTokenAtMs: r.scheduledAtMs + 20,
      firstContentAtMs: r.scheduledAtMs + 20,
      contentDeltas: 4,
      outputTokens: 4,
    });
  else Object.assign(r, { errorKind: kind, errorMessage: `${kind} happened` });
  return Object.assign(r, over);
}

describe('generator-owned failures are counted apart', () => {
  it("never enter the target's totals, failures or error rate; the target's own failures do", () => {
    const rec = new Recorder();
    for (let i = 0; i < 90; i++) rec.add(result(null));
    for (let i = 0; i < 5; i++) rec.add(result('http_5xx'));
    for (let i = 0; i < 3; i++) rec.add(result('aborted'));
    for (let i = 0; i < 2; i++) rec.add(result('local_resource'));
    const g = summarizeGroup(rec.groups.get('t')!);
    expect(g.requests).toMatchObject({
      total: 95,
      ok: 90,
      failed: 5,
      errorsByKind: { http_5xx: 5 },
      generatorFailed: 5,
      generatorErrorsByKind: { aborted: 3, local_resource: 2 },
    });
    expect(g.requests.errorRate).toBeCloseTo(5 / 95, 6);
    expect(g.requests.errorSamples).toEqual({
      http_5xx: 'http_5xx happened',
      aborted: 'aborted happened',
      local_resource: 'local_resource happened',
    });
  });

  it(`make the run invalid above ${GENERATOR_FAILURE_LIMIT * 100}% of its arrivals, and not at or below it`, () => {
    const at = (generator: number, of: number) => {
      const rec = new Recorder();
      for (let i = 0; i < of - generator; i++) rec.add(result(null));
      for (let i = 0; i < generator; i++) rec.add(result('client_overload'));
      return assessValidity([...rec.groups.values()]);
    };
    expect(at(1, 100)).toMatchObject({ valid: true, arrivals: 100, generatorFailed: 1 });
    const invalid = at(2, 100);
    expect(invalid).toMatchObject({ valid: false, arrivals: 100, generatorFailed: 2, generatorErrorsByKind: { client_overload: 2 } });
    expect(invalid.reasons[0]).toMatch(/^2 of 100 arrivals \(2\.0%, limit 1%\) failed on the generator's own side \(client_overload ×2\)/);
    expect(at(0, 100).valid).toBe(true);
  });

  it("arrivals the generator dropped at its own connection cap count as its failures too; drops at the scenario's maxInFlight do not", () => {
    const rec = new Recorder();
    for (let i = 0; i < 50; i++) rec.add(result(null));
    for (let i = 0; i < 30; i++)
      rec.addDropped('target', { target: 't', region: 'r', provider: 'mock', model: 'm' }, 'measure', 1000 + i, 'max_in_flight');
    expect(assessValidity([...rec.groups.values()]).valid).toBe(true);
    for (let i = 0; i < 20; i++)
      rec.addDropped('target', { target: 't', region: 'r', provider: 'mock', model: 'm' }, 'measure', 2000 + i, 'connection_cap');
    const v = assessValidity([...rec.groups.values()]);
    expect(v).toMatchObject({ valid: false, arrivals: 100, generatorDropped: 20 });
    expect(summarizeGroup(rec.groups.get('t')!).requests.droppedBy).toEqual({ max_in_flight: 30, connection_cap: 20 });
  });
});
