import { buildCatalog, catalogSchema } from '../../src/cost/catalog.js';
import type { GeneratorHealth } from '../../src/metrics/generator-health.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, routeOutcome, type RequestResult } from '../../src/metrics/request-result.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';
import type { RunSummary, ThresholdsSummary } from '../../src/summary/run-summary.js';
import { summarizeRun } from '../../src/summary/summarize-run.js';

/**
 * reportFixture builds a realistic run summary through the real Recorder and summarizeRun, as
 * `bakeoff run` does: three targets in two regions (us-east-1; eu-west-1 twice), a failover route
 * `chat` over us-east → eu-west-a whose primary is down from 3 s to 5.4 s (breaker transitions and
 * an outage), failures of several kinds spread over ten seconds, a target that never answered,
 * thresholds that pass and fail, prices. `invalid` adds generator-side failures past 1 % of the
 * route's arrivals (validity false, thresholds not evaluated, a saturated generator); `hostile`
 * names a target and fills an error message with markup that must come out as text; `mix` splits
 * the targets' requests into a two-turn `chat` and a `summarisation` workload (every third
 * request), so the summary has workload and turn groups.
 */
export function reportFixture(opts: { invalid?: boolean; hostile?: boolean; mix?: boolean } = {}): RunSummary {
  const rec = new Recorder({ originEpochMs: Date.UTC(2026, 4, 1, 12, 0, 0), ...(opts.mix ? { byWorkload: true, byTurn: true } : {}) });
  const add = (r: RequestResult) => rec.add(opts.mix ? { ...r, ...mixLabels(r.id) } : r);
  const euB = opts.hostile ? HOSTILE_TARGET : 'eu-west-b';
  const targets = [
    { target: 'us-east', region: 'us-east-1', model: 'gpt-4o', ttftMs: 180, itlMs: 12 },
    { target: 'eu-west-a', region: 'eu-west-1', model: 'gpt-4o-mini', ttftMs: 260, itlMs: 15 },
    { target: euB, region: 'eu-west-1', model: 'gpt-4o-mini', ttftMs: 320, itlMs: 18 },
  ];
  let id = 0;
  for (let sec = 0; sec < 10; sec++) {
    for (let i = 0; i < 8; i++) {
      const at = sec * 1000 + i * 120;
      const jitter = ((i * 37 + sec * 11) % 23) * 4; // spread, deterministic
      for (const t of targets) {
        // The primary is down (503) from 3 s to 5.4 s; eu-west-b resets now and then and cuts a stream at 7 s.
        if (t.target === 'us-east' && at >= 3000 && at < 5400) {
          add(failed(++id, t, at, 'http_5xx', 'HTTP 503: server_error: The server is overloaded or not ready yet.'));
          continue;
        }
        if (t.target === euB && i === 0 && sec % 3 === 1) {
          add(failed(++id, t, at, 'reset', opts.hostile ? HOSTILE_MESSAGE : 'UND_ERR_SOCKET: other side closed'));
          continue;
        }
        if (t.target === euB && sec === 7 && i === 4) {
          add(failed(++id, t, at, 'stream_cut', 'stream cut after 3 deltas (956 B): UND_ERR_SOCKET: other side closed'));
          continue;
        }
        add(ok(++id, t, at, t.ttftMs + jitter, t.itlMs + (jitter % 7)));
      }
      // The route's user-level outcome: the primary served it, or the fallback after it failed (or was skipped while the breaker was open).
      const down = at >= 3000 && at < 5400;
      add(routed(++id, at, down ? 'eu-west-a' : 'us-east', down ? 260 + jitter : 180 + jitter, down ? 30 + (i % 3) * 5 : 0));
    }
    if (sec === 4)
      add({
        ...routed(++id, sec * 1000 + 990, '', 0, 0),
        errorKind: 'circuit_open',
        errorMessage: 'every hop of chat is unavailable (breaker open or Retry-After pending)',
        firstTokenAtMs: null,
        firstContentAtMs: null,
        endAtMs: sec * 1000 + 990,
        itlMs: [],
        outputTokens: 0,
      });
  }
  // A target that never answered: every request refused.
  for (let sec = 0; sec < 10; sec += 2)
    add(
      failed(
        ++id,
        { target: 'ap-down', region: 'ap-southeast-1', model: 'gpt-4o-mini' },
        sec * 1000,
        'connect_error',
        'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
      ),
    );
  if (opts.invalid)
    for (let i = 0; i < 6; i++)
      add({
        ...routed(++id, 8000 + i * 50, '', 0, 0),
        errorKind: 'client_overload' as ErrorKind,
        errorMessage:
          'not sent: dispatched 1200ms after its schedule, past the 1000ms first-token timeout; the generator could not keep up',
        firstTokenAtMs: null,
        firstContentAtMs: null,
        itlMs: [],
        outputTokens: 0,
      });

  const pricing = buildCatalog(
    catalogSchema.parse({
      asOf: '2026-05-01',
      currency: 'USD',
      models: { 'gpt-4o': { input: 2.5, output: 10, source: 'test' }, 'gpt-4o-mini': { input: 0.15, output: 0.6, source: 'test' } },
    }),
  );
  const generator: GeneratorHealth = opts.invalid
    ? {
        eventLoopDelayMs: { mean: 30, p50: 12, p99: 640, max: 900 },
        dispatchLagMs: { p50: 3, p99: 720, max: 1200 },
        eventLoopUtilization: 0.97,
        cpuPercent: 99.5,
        saturated: true,
        warnings: [
          'event-loop delay p99 640ms exceeds 20ms: latencies include client-side delay; lower the load or split it across processes',
        ],
      }
    : {
        eventLoopDelayMs: { mean: 0.8, p50: 0.2, p99: 4.1, max: 12 },
        dispatchLagMs: { p50: 0.3, p99: 2.2, max: 6 },
        eventLoopUtilization: 0.21,
        cpuPercent: 38.4,
        saturated: false,
        warnings: [],
      };

  const summary = summarizeRun(rec, {
    tool: { name: 'llm-bakeoff', version: '0.0.0-test' },
    runId: '20260501-120000-fixture',
    startedAt: '2026-05-01T12:00:00.000Z',
    endedAt: '2026-05-01T12:00:10.500Z',
    durationMs: 10_500,
    status: 'completed',
    loadModel: 'open',
    stopReason: 'load schedule complete',
    scenario: {
      name: 'fixture',
      load: { rate: 8, arrivals: 'constant', duration: 10_000 },
      targets: targets.map((t) => ({ name: t.target, region: t.region, model: t.model })),
    },
    generator,
    pricing,
    slo: ['errorRate < 1%', 'ttft.p99 < 800ms'],
    scheduleEndedAtMs: 9_960,
    traffic: { mode: 'paired', seed: 42, note: 'failover: every route received the full load' },
    failover: {
      routes: [{ name: 'chat', chain: ['us-east', 'eu-west-a'], retries: 6, retriesDenied: 1, retryTokens: { input: 1200, output: 96 } }],
      breakers: [
        { route: 'chat', target: 'us-east', atMs: 3_250.5, from: 'closed', to: 'open', reason: '3 consecutive failures' },
        { route: 'chat', target: 'us-east', atMs: 4_250.5, from: 'open', to: 'half-open', reason: 'cool-down of 1000ms over' },
        { route: 'chat', target: 'us-east', atMs: 4_262, from: 'half-open', to: 'open', reason: 'trial request failed' },
        { route: 'chat', target: 'us-east', atMs: 5_262, from: 'open', to: 'half-open', reason: 'cool-down of 1000ms over' },
        {
          route: 'chat',
          target: 'us-east',
          atMs: 5_520,
          from: 'half-open',
          to: 'closed',
          reason: 'health probe succeeded after the cool-down',
        },
      ],
      outages: [
        {
          route: 'chat',
          target: 'us-east',
          firstFailureMs: 3_010,
          lastFailureMs: 5_290,
          failures: 20,
          breakerOpenedMs: 3_250.5,
          detectMs: 240.5,
          recoveredAtMs: 5_700,
          recoverMs: 410,
        },
      ],
    },
  });
  return { ...summary, thresholds: thresholds(summary, opts.invalid ?? false) };
}

/** HOSTILE_TARGET and HOSTILE_MESSAGE are markup that must be shown as text, never run. */
export const HOSTILE_TARGET = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
export const HOSTILE_MESSAGE = 'HTTP 502: <b>bad gateway</b> <!-- </script><script>window.__pwned=3</script> --> & \u2028 done';

// Thresholds as the threshold evaluator writes them: some pass, some fail, one with nothing measured.
function thresholds(s: RunSummary, invalid: boolean): ThresholdsSummary {
  const us = s.groups.find((g) => g.scope === 'target' && g.target === 'us-east')!;
  const checks = [
    { threshold: 'ttft.p99 < 600ms', filter: {}, on: 'us-east', actual: us.metrics.ttft.p99, limit: 600, unit: 'ms' as const },
    { threshold: 'errorRate < 1%', filter: {}, on: 'us-east', actual: us.requests.errorRate, limit: 0.01, unit: 'share' as const },
    {
      threshold: 'e2e.p99 < 2s',
      filter: { region: 'ap-southeast-1' },
      on: 'region ap-southeast-1',
      actual: null,
      limit: 2000,
      unit: 'ms' as const,
    },
    { threshold: 'requestsPerSec >= 5', filter: { route: 'chat' }, on: 'route chat', actual: 8.1, limit: 5, unit: 'per_s' as const },
  ].map((c) => ({ ...c, pass: !invalid && c.actual !== null && (c.unit === 'per_s' ? c.actual >= c.limit : c.actual < c.limit) }));
  return invalid
    ? { evaluated: false, passed: null, checks: checks.map((c) => ({ ...c, pass: false })) }
    : { evaluated: true, passed: checks.every((c) => c.pass), checks };
}

// The mix's workload and turn of request `id`: every third a summarisation, the others a chat's first or second turn.
function mixLabels(id: number): { workload: string; turn: number } {
  return id % 3 === 0 ? { workload: 'summarisation', turn: 1 } : { workload: 'chat', turn: (id % 2) + 1 };
}

type Labels = { target: string; region: string; model: string };

function base(id: number, t: Labels, at: number): RequestResult {
  return {
    ...newResult({
      id,
      phase: 'measure',
      target: t.target,
      region: t.region,
      provider: 'mock',
      model: t.model,
      workload: 'chat',
      turn: 1,
      step: '',
      scheduledAtMs: at,
      queuedMs: 0,
      inputTokens: 150,
      requestedOutputTokens: 16,
    }),
    sentAtMs: at + 0.2,
    connection: 'reused',
  };
}

function ok(id: number, t: Labels, at: number, ttftMs: number, itlMs: number): RequestResult {
  const itl = Array.from({ length: 15 }, (_, i) => itlMs + (i % 4));
  const end = at + ttftMs + itl.reduce((a, b) => a + b, 0);
  return {
    ...base(id, t, at),
    headersAtMs: at + ttftMs - 20,
    firstTokenAtMs: at + ttftMs,
    firstContentAtMs: at + ttftMs,
    endAtMs: end,
    itlMs: itl,
    contentDeltas: 16,
    outputTokens: 16,
    tokenSource: 'usage',
    status: 200,
    finishReason: 'length',
  };
}

function failed(id: number, t: Labels, at: number, kind: ErrorKind, message: string): RequestResult {
  return { ...base(id, t, at), endAtMs: at + 25, status: kind === 'http_5xx' ? 503 : 0, errorKind: kind, errorMessage: message };
}

// A route's user-level outcome: served by `hop` with the given TTFT, after `timeLostMs` on a failed primary.
function routed(id: number, at: number, hop: string, ttftMs: number, timeLostMs: number): RequestResult {
  const r = ok(id, { target: 'chat', region: '', model: '' }, at, ttftMs, 13);
  return routeOutcome(r, {
    ...r,
    provider: 'route',
    route: 'chat',
    attempts: timeLostMs > 0 ? 2 : 1,
    servedBy: hop,
    timeLostMs,
    failoverMs: hop && hop !== 'us-east' ? ttftMs : null,
  });
}
