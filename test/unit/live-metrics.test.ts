import { createServer } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { newResult, type RequestResult } from '../../src/metrics/request-result.js';
import { BulkHistogram } from '../../src/output/bulk-histogram.js';
import { LATENCY_BUCKETS_S, LiveMetrics, TOKEN_BUCKETS_S } from '../../src/output/live-metrics.js';
import { serveMetrics, type MetricsServer } from '../../src/output/metrics-server.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { buckets, parseExposition, select, value, type Exposition } from '../support/exposition.js';

// The live exposition, fed RequestResults by hand: which request lands in which counter and
// histogram (summary.json's definitions), the text format itself, and the server's behaviour.

const scenario = (() => {
  const v = validateScenario({
    name: 'live',
    targets: [
      { name: 'fast', region: 'us-east-1', model: 'gpt-4o-mini', mock: {} },
      // A region with the characters the text format escapes.
      { name: 'never', region: 'eu "west"\\1', model: 'gpt-4o-mini', mock: {} },
    ],
    workload: { name: 'chat', promptTokens: 16, maxTokens: 4 },
    load: { concurrency: 1, duration: '1s' },
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.scenario;
})();

// A successful open-loop request: scheduled at 100, sent at 130 (30 ms late), first token at 330,
// done at 700, 4 tokens with 3 gaps.
function ok(over: Partial<RequestResult> = {}): RequestResult {
  return {
    ...newResult({
      id: 1,
      phase: 'measure',
      target: 'fast',
      region: 'us-east-1',
      provider: 'mock',
      model: 'gpt-4o-mini',
      workload: 'chat',
      turn: 1,
      step: '',
      scheduledAtMs: 100,
      queuedMs: 0,
      inputTokens: 16,
      requestedOutputTokens: 4,
    }),
    sentAtMs: 130,
    headersAtMs: 200,
    firstTokenAtMs: 330,
    firstContentAtMs: 330,
    endAtMs: 700,
    itlMs: [100, 120, 150],
    contentDeltas: 4,
    outputTokens: 4,
    tokenSource: 'usage',
    status: 200,
    finishReason: 'stop',
    ...over,
  };
}

const failed = (kind: RequestResult['errorKind'], over: Partial<RequestResult> = {}) =>
  ok({
    errorKind: kind,
    errorMessage: 'x',
    firstTokenAtMs: null,
    firstContentAtMs: null,
    itlMs: [],
    outputTokens: 0,
    status: kind === 'http_5xx' ? 503 : 0,
    ...over,
  });

const live: LiveMetrics[] = [];
const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const m of live.splice(0)) m.close();
});

function metrics(processMetrics = false): LiveMetrics {
  const m = new LiveMetrics({ scenario, runId: 'run-1', tool: { name: 'llm-bakeoff', version: '9.9.9' }, processMetrics });
  live.push(m);
  return m;
}

const read = async (m: LiveMetrics): Promise<Exposition> => parseExposition(await m.exposition());
const fast = { target: 'fast', region: 'us-east-1', workload: 'chat' };

describe('LiveMetrics', () => {
  it('names every family with its type: counters end in _total, latencies are histograms in seconds', async () => {
    const m = metrics();
    m.add(ok());
    const e = await read(m);
    expect(Object.fromEntries([...e.types].filter(([n]) => n.startsWith('bakeoff_')))).toEqual({
      bakeoff_run_info: 'gauge',
      bakeoff_target_info: 'gauge',
      bakeoff_requests_total: 'counter',
      bakeoff_generator_failures_total: 'counter',
      bakeoff_warmup_requests_total: 'counter',
      bakeoff_output_tokens_total: 'counter',
      bakeoff_dropped_arrivals_total: 'counter',
      bakeoff_route_requests_total: 'counter',
      bakeoff_route_dropped_arrivals_total: 'counter',
      bakeoff_requests_in_flight: 'gauge',
      bakeoff_ttft_seconds: 'histogram',
      bakeoff_e2e_seconds: 'histogram',
      bakeoff_tpot_seconds: 'histogram',
      bakeoff_itl_seconds: 'histogram',
      bakeoff_dispatch_lag_seconds: 'histogram',
      bakeoff_event_loop_delay_seconds: 'gauge',
      bakeoff_event_loop_utilization: 'gauge',
    });
    for (const name of e.types.keys()) expect(e.help.get(name), name).toBeTruthy();
    expect(value(e, 'bakeoff_run_info', { scenario: 'live', run_id: 'run-1', version: '9.9.9' })).toBe(1);
    expect(
      value(e, 'bakeoff_target_info', { target: 'fast', region: 'us-east-1', provider: 'openai-compatible', model: 'gpt-4o-mini' }),
    ).toBe(1);
    // No request id, no message: labels are a bounded set.
    const labelNames = new Set(e.samples.filter((s) => s.name.startsWith('bakeoff_')).flatMap((s) => Object.keys(s.labels)));
    const bounded = [
      'kind',
      'le',
      'model',
      'outcome',
      'provider',
      'reason',
      'region',
      'route',
      'run_id',
      'scenario',
      'stat',
      'target',
      'version',
      'workload',
    ];
    for (const l of labelNames) expect(bounded).toContain(l);
  });

  it('a successful request: counted ok; TTFT and E2E from its schedule, TPOT, every gap, its tokens, its dispatch lag, in seconds', async () => {
    const m = metrics();
    m.add(ok());
    const e = await read(m);
    expect(value(e, 'bakeoff_requests_total', { ...fast, outcome: 'ok' })).toBe(1);
    expect(value(e, 'bakeoff_output_tokens_total', fast)).toBe(4);
    // From the schedule (100), not the send (130): 330 − 100 = 230 ms.
    expect(value(e, 'bakeoff_ttft_seconds_sum', fast)).toBeCloseTo(0.23, 9);
    expect(value(e, 'bakeoff_e2e_seconds_sum', fast)).toBeCloseTo(0.6, 9);
    // (600 − 230) / (4 − 1)
    expect(value(e, 'bakeoff_tpot_seconds_sum', fast)).toBeCloseTo(0.37 / 3, 9);
    expect(value(e, 'bakeoff_itl_seconds_count', fast)).toBe(3);
    expect(value(e, 'bakeoff_itl_seconds_sum', fast)).toBeCloseTo(0.37, 9);
    expect(value(e, 'bakeoff_dispatch_lag_seconds_sum', { target: 'fast', region: 'us-east-1' })).toBeCloseTo(0.03, 9);
    // 0.23 s falls in the (0.2, 0.25] bucket: le is inclusive, buckets cumulative.
    const b = buckets(e, 'bakeoff_ttft_seconds', fast);
    expect(b.find((x) => x.le === 0.2)!.count).toBe(0);
    expect(b.find((x) => x.le === 0.25)!.count).toBe(1);
  });

  it("failures: the target's and the network's by kind in requests_total; the generator's apart; neither in a latency histogram", async () => {
    const m = metrics();
    m.add(ok());
    m.add(failed('http_5xx'));
    m.add(failed('connect_timeout'));
    m.add(failed('client_overload'));
    m.add(failed('aborted'));
    const e = await read(m);
    expect(
      select(e, 'bakeoff_requests_total', fast)
        .map((s) => [s.labels.outcome, s.value])
        .sort(),
    ).toEqual([
      ['connect_timeout', 1],
      ['http_5xx', 1],
      ['ok', 1],
    ]);
    expect(
      select(e, 'bakeoff_generator_failures_total', fast)
        .map((s) => [s.labels.kind, s.value])
        .sort(),
    ).toEqual([
      ['aborted', 1],
      ['client_overload', 1],
    ]);
    expect(value(e, 'bakeoff_ttft_seconds_count', fast)).toBe(1);
    expect(value(e, 'bakeoff_e2e_seconds_count', fast)).toBe(1);
    expect(value(e, 'bakeoff_itl_seconds_count', fast)).toBe(3);
    expect(value(e, 'bakeoff_output_tokens_total', fast)).toBe(4);
    // Dispatch lag covers every measured request, whoever failed it.
    expect(value(e, 'bakeoff_dispatch_lag_seconds_count', { target: 'fast' })).toBe(5);
  });

  it('warmup is counted apart and nowhere else', async () => {
    const m = metrics();
    m.add(ok({ phase: 'warmup' }));
    m.add(failed('client_overload', { phase: 'warmup' }));
    m.dropped({
      scope: 'target',
      labels: { target: 'fast', region: 'us-east-1', provider: 'mock', model: 'gpt-4o-mini' },
      phase: 'warmup',
      scheduledAtMs: 0,
      reason: 'max_in_flight',
    });
    const e = await read(m);
    expect(value(e, 'bakeoff_warmup_requests_total', { target: 'fast', region: 'us-east-1' })).toBe(2);
    expect(value(e, 'bakeoff_requests_total', { ...fast, outcome: 'ok' })).toBe(0);
    expect(select(e, 'bakeoff_generator_failures_total')).toEqual([]);
    expect(select(e, 'bakeoff_ttft_seconds_count')).toEqual([]);
    expect(select(e, 'bakeoff_dispatch_lag_seconds_count')).toEqual([]);
    expect(select(e, 'bakeoff_dropped_arrivals_total')).toEqual([]);
  });

  it('no data is absent, never 0: a target without a successful request has a 0 count of requests and no latency series', async () => {
    const m = metrics();
    m.add(ok());
    m.add(failed('http_5xx', { target: 'never', region: 'eu "west"\\1' }));
    const e = await read(m);
    const never = { target: 'never', region: 'eu "west"\\1', workload: 'chat' };
    expect(value(e, 'bakeoff_requests_total', { ...never, outcome: 'ok' })).toBe(0);
    expect(value(e, 'bakeoff_requests_total', { ...never, outcome: 'http_5xx' })).toBe(1);
    for (const h of ['ttft', 'e2e', 'tpot', 'itl']) {
      expect(select(e, `bakeoff_${h}_seconds_bucket`, never), h).toEqual([]);
      expect(select(e, `bakeoff_${h}_seconds_count`, never), h).toEqual([]);
    }
  });

  it('histogram buckets: the configured bounds in order, cumulative, +Inf equal to _count, a value above the last bound only in +Inf', async () => {
    const m = metrics();
    const ttftsMs = [3, 5, 49, 50, 51, 180, 999, 1000, 119_000, 200_000];
    for (const t of ttftsMs)
      m.add(ok({ firstTokenAtMs: 100 + t, firstContentAtMs: 100 + t, endAtMs: 100 + t + 50, itlMs: [0.5, 7, 9000] }));
    const e = await read(m);
    for (const [name, bounds] of [
      ['bakeoff_ttft_seconds', LATENCY_BUCKETS_S],
      ['bakeoff_e2e_seconds', LATENCY_BUCKETS_S],
      ['bakeoff_tpot_seconds', TOKEN_BUCKETS_S],
      ['bakeoff_itl_seconds', TOKEN_BUCKETS_S],
    ] as const) {
      const b = buckets(e, name, fast);
      expect(
        b.map((x) => x.le),
        name,
      ).toEqual([...bounds, Infinity]);
      for (let i = 1; i < b.length; i++) expect(b[i]!.count, `${name} le=${b[i]!.le}`).toBeGreaterThanOrEqual(b[i - 1]!.count);
      expect(b.at(-1)!.count, name).toBe(value(e, `${name}_count`, fast));
    }
    const ttft = buckets(e, 'bakeoff_ttft_seconds', fast);
    const at = (le: number) => ttft.find((x) => x.le === le)!.count;
    expect(at(0.005)).toBe(2); // 3 ms and 5 ms (inclusive)
    expect(at(0.05)).toBe(4); // + 49, 50
    expect(at(1)).toBe(8); // + 51, 180, 999, 1000
    expect(at(120)).toBe(9); // + 119 s
    expect(at(Infinity)).toBe(10); // + 200 s, above every bound
    const itl = buckets(e, 'bakeoff_itl_seconds', fast);
    expect(itl[0]!.count).toBe(10); // the 0.5 ms gaps
    expect(itl.at(-2)!.count).toBe(20); // + the 7 ms ones; the 9 s gaps only in +Inf
    expect(itl.at(-1)!.count).toBe(30);
  });

  it("failover routes: a route's user-level outcomes on the route (the generator's left out), its attempts on their targets; drops where they were counted", async () => {
    const m = metrics();
    m.add(ok({ attempt: 1, route: 'chat' }));
    m.add(ok({ kind: 'outcome', route: 'chat', target: 'chat', region: '', provider: 'route' }));
    m.add(failed('circuit_open', { kind: 'outcome', route: 'chat', target: 'chat', region: '', provider: 'route' }));
    m.add(failed('aborted', { kind: 'outcome', route: 'chat', target: 'chat', region: '', provider: 'route' }));
    m.dropped({
      scope: 'route',
      labels: { target: 'chat', region: '', provider: 'route', model: '' },
      phase: 'measure',
      scheduledAtMs: 0,
      reason: 'max_in_flight',
    });
    m.dropped({
      scope: 'target',
      labels: { target: 'fast', region: 'us-east-1', provider: 'mock', model: 'gpt-4o-mini' },
      phase: 'measure',
      scheduledAtMs: 0,
      reason: 'connection_cap',
    });
    m.dropped({
      scope: 'target',
      labels: { target: 'fast', region: 'us-east-1', provider: 'mock', model: 'gpt-4o-mini' },
      phase: 'measure',
      scheduledAtMs: 0,
      reason: 'connection_cap',
    });
    const e = await read(m);
    expect(value(e, 'bakeoff_requests_total', { ...fast, outcome: 'ok' })).toBe(1);
    expect(
      select(e, 'bakeoff_route_requests_total', { route: 'chat' })
        .map((s) => [s.labels.outcome, s.value])
        .sort(),
    ).toEqual([
      ['circuit_open', 1],
      ['ok', 1],
    ]);
    expect(value(e, 'bakeoff_ttft_seconds_count', fast)).toBe(1);
    expect(select(e, 'bakeoff_requests_total', { target: 'chat' })).toEqual([]);
    expect(value(e, 'bakeoff_route_dropped_arrivals_total', { route: 'chat', reason: 'max_in_flight' })).toBe(1);
    expect(value(e, 'bakeoff_dropped_arrivals_total', { target: 'fast', region: 'us-east-1', reason: 'connection_cap' })).toBe(2);
  });

  it('in flight: up as requests go, down as they return, 0 before the first', async () => {
    const m = metrics();
    expect(value(await read(m), 'bakeoff_requests_in_flight', { target: 'fast' })).toBe(0);
    m.inFlight('fast', 1);
    m.inFlight('fast', 1);
    m.inFlight('never', 1);
    m.inFlight('fast', -1);
    const e = await read(m);
    expect(value(e, 'bakeoff_requests_in_flight', { target: 'fast' })).toBe(1);
    expect(value(e, 'bakeoff_requests_in_flight', { target: 'never' })).toBe(1);
  });

  it("the generator's event loop: delay by stat, never negative, and utilization between 0 and 1; process metrics when asked", async () => {
    const m = metrics(true);
    await new Promise((r) => setTimeout(r, 60));
    const e = await read(m);
    const delay = select(e, 'bakeoff_event_loop_delay_seconds');
    expect(delay.map((s) => s.labels.stat).sort()).toEqual(['max', 'p50', 'p99']);
    for (const s of delay) expect(s.value).toBeGreaterThanOrEqual(0);
    const elu = value(e, 'bakeoff_event_loop_utilization')!;
    expect(elu).toBeGreaterThanOrEqual(0);
    expect(elu).toBeLessThanOrEqual(1);
    expect(e.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(e.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });
});

describe('BulkHistogram', () => {
  it('escapes label values and reads back as written; an unobserved series is left out', () => {
    const h = new BulkHistogram('x_seconds', 'gaps\nof "tokens"', ['a'], [0.001, 0.01]);
    h.seriesOf(['back\\slash "quoted"\nnewline']).observeAllMs([0.5, 5, 50, NaN]);
    h.seriesOf(['empty']);
    const e = parseExposition(h.exposition());
    expect(e.types.get('x_seconds')).toBe('histogram');
    expect(select(e, 'x_seconds_count').map((s) => [s.labels.a, s.value])).toEqual([['back\\slash "quoted"\nnewline', 3]]);
    expect(buckets(e, 'x_seconds', {}).map((b) => b.count)).toEqual([1, 2, 3]);
    expect(value(e, 'x_seconds_sum')).toBeCloseTo(0.0555, 9);
  });

  it('refuses buckets that do not ascend', () => {
    expect(() => new BulkHistogram('x', 'x', [], [0.1, 0.1])).toThrow(/ascend/);
  });
});

describe('serveMetrics', () => {
  async function serve(m = metrics()): Promise<MetricsServer> {
    const s = await serveMetrics(m, '127.0.0.1', 0);
    servers.push(s);
    return s;
  }

  it('answers GET /metrics in the text format 0.0.4; other paths 404, other methods 405', async () => {
    const m = metrics();
    m.add(ok());
    const s = await serve(m);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/metrics`);
    const res = await request(s.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const e = parseExposition(await res.body.text());
    expect(value(e, 'bakeoff_requests_total', { ...fast, outcome: 'ok' })).toBe(1);
    expect(s.scrapes).toBe(1);
    const root = await request(s.url.replace('/metrics', '/'));
    expect(root.statusCode).toBe(404);
    await root.body.dump();
    const post = await request(s.url, { method: 'POST', body: 'x' });
    expect(post.statusCode).toBe(405);
    await post.body.dump();
  });

  it('finalScrape: resolves at the first scrape after it was asked for, else at its limit, or at a stop', async () => {
    const s = await serve();
    const waiting = s.finalScrape(20_000);
    await (await request(s.url)).body.dump();
    expect(await waiting).toBe('scraped');
    expect(await s.finalScrape(30)).toBe('timeout');
    expect(await s.finalScrape(0)).toBe('timeout');
    const stop = new AbortController();
    const stopped = s.finalScrape(20_000, stop.signal);
    stop.abort();
    expect(await stopped).toBe('stopped');
  });

  it('a port in use fails the listen with EADDRINUSE, before anything else', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(serveMetrics(metrics(), '127.0.0.1', port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      taken.close();
    }
  });

  it('close() ends a scraper keep-alive connection instead of waiting for it', async () => {
    const s = await serveMetrics(metrics(), '127.0.0.1', 0);
    await (await request(s.url)).body.dump(); // undici keeps the connection alive
    const started = performance.now();
    await s.close();
    expect(performance.now() - started).toBeLessThan(4_000);
  });
});
