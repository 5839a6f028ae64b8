import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleTable } from '../../src/report/console-table.js';
import { jsonError, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// A target that cannot answer — a bad key, a region block, a wrong model name, a prompt too long for the model, a
// redirect — answers the same however often it is asked. Pointed at a paid API, the tool once sent such a target
// 20,000 requests in 5 s from 4 users, and exited 0. It is paced, stopped after load.stopAfterRefusals refusals in
// a row, named once, and the targets beside it go on.

const servers: StubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function stubWith(answer: (res: ServerResponse) => void): Promise<StubServer> {
  const s = await startStubServer((_req, res) => answer(res));
  servers.push(s);
  return s;
}

const KEY_ENV = 'BAKEOFF_REFUSAL_TEST_KEY';
const env = { [KEY_ENV]: 'refusal-test-key-0123456789abcdef' };
const healthy = { name: 'healthy', model: 'mock-model', mock: { rttMs: 0, ttftMs: 20, itlMs: 1 } };

describe('a target that refuses every request', () => {
  it('4 users against a 401 target for 5 s: at most 15 requests reach it, and a healthy target beside it gets its full load', async () => {
    const server = await stubWith((res) => jsonError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    const { summary } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'locked', model: 'gpt-4o-mini', baseUrl: server.baseUrl, apiKeyEnv: KEY_ENV }, healthy],
        load: { concurrency: 4, duration: '5s' },
      }),
      { env },
    );
    // Ten refusals stop it; a user or three may have had one in flight then.
    expect(server.requests.length).toBeGreaterThanOrEqual(10);
    expect(server.requests.length).toBeLessThanOrEqual(15);
    const locked = summary.groups.find((g) => g.target === 'locked')!;
    expect(locked.requests.errorsByKind).toEqual({ http_4xx: server.requests.length });
    expect(locked.stopped).toMatchObject({ afterRefusals: 10, kind: 'http_4xx', status: 401, hint: `check the key in ${KEY_ENV}` });
    expect(locked.stopped!.message).toContain('Incorrect API key provided.');
    expect(locked.stopped!.atMs).toBeGreaterThan(0);
    // The healthy target's users never waited: a closed loop of 4 sends 4 requests per mean E2E, all through the run.
    const ok = summary.groups.find((g) => g.target === 'healthy')!;
    expect(ok.stopped).toBeUndefined();
    expect(ok.backoff).toBeNull();
    expect(ok.requests.failed).toBe(0);
    expect(ok.requests.ok).toBeGreaterThanOrEqual(0.8 * ((4 * 5000) / ok.metrics.e2e.mean!));
    expect(ok.window!.durationMs).toBeGreaterThan(4900);
    // Named once on the console, with the provider's message and what to fix.
    const console = consoleTable(summary);
    expect(console.match(/STOPPED/g)).toHaveLength(1);
    expect(console).toMatch(
      /STOPPED locked .* after 10 refusals .*Incorrect API key provided\..*check the key in BAKEOFF_REFUSAL_TEST_KEY/,
    );
    expect(console).not.toContain(env[KEY_ENV]);
  });

  it.each([
    [403, 'Request not allowed in this region.', 'unsupported_country_region_territory', /a region block/],
    [404, 'The model `gpt-9` does not exist or you do not have access to it.', 'model_not_found', /model or deployment name \(gpt-9\)/],
    [400, "This model's maximum context length is 128000 tokens.", 'context_length_exceeded', /prompt is too long for the model gpt-9/],
  ])(
    'an open loop stops sending after 10 refusals (%i): later arrivals are dropped as target_stopped',
    async (status, message, code, hint) => {
      const server = await stubWith((res) => jsonError(res, status, message, 'invalid_request_error', code));
      const { summary } = await runCollecting(
        scenarioOf({
          targets: [{ name: 'refusing', model: 'gpt-9', baseUrl: server.baseUrl, apiKeyEnv: KEY_ENV }],
          load: { rate: 50, duration: '2s' },
        }),
        { env },
      );
      const g = summary.groups[0]!;
      expect(g.stopped).toMatchObject({ afterRefusals: 10, status });
      expect(g.stopped!.hint).toMatch(hint);
      // Arrivals keep going out until the tenth refusal has come back: a few more on a loaded machine, never 100.
      expect(server.requests.length).toBeGreaterThanOrEqual(10);
      expect(server.requests.length).toBeLessThanOrEqual(25);
      expect(g.requests.total + g.requests.dropped).toBe(100);
      expect(g.requests.droppedBy.target_stopped).toBe(100 - g.requests.total);
    },
  );

  it('a redirect is a refusal too: the hint is the baseUrl', async () => {
    const server = await stubWith((res) => {
      res.writeHead(307, { location: 'https://elsewhere.example/v1/chat/completions' });
      res.end();
    });
    const { summary } = await runCollecting(
      // A short backoff, so the ten refusals come within the test's seconds (at the default 1 s, 6 in 3 s).
      scenarioOf({
        targets: [{ name: 'moved', model: 'm', baseUrl: server.baseUrl }],
        load: { concurrency: 2, duration: '3s', errorBackoff: '20ms' },
      }),
    );
    const g = summary.groups[0]!;
    expect(server.requests.length).toBeLessThanOrEqual(12);
    expect(g.stopped).toMatchObject({ kind: 'redirect', status: 307, afterRefusals: 10 });
    expect(g.stopped!.hint).toMatch(/baseUrl/);
  });

  it('stopAfterRefusals: 0 never stops a target (its users still back off)', async () => {
    const server = await stubWith((res) => jsonError(res, 401, 'Incorrect API key provided.'));
    const { summary } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'locked', model: 'm', baseUrl: server.baseUrl }],
        load: { concurrency: 4, duration: '2s', errorBackoff: '50ms', stopAfterRefusals: 0 },
      }),
    );
    const g = summary.groups[0]!;
    expect(g.stopped).toBeUndefined();
    expect(server.requests.length).toBeGreaterThan(15);
    expect(g.backoff!.afterErrorsMs).toBeGreaterThan(0);
  });

  it('a success between refusals keeps the target going', async () => {
    let n = 0;
    const server = await stubWith((res) => {
      // Every third request succeeds: refusals never run to 10 in a row.
      if (++n % 3 === 0) return void streamCompletion(res, ['ok']);
      jsonError(res, 400, "This model's maximum context length is 128000 tokens.", 'invalid_request_error', 'context_length_exceeded');
    });
    const { summary } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'mixed', model: 'm', baseUrl: server.baseUrl }],
        load: { concurrency: 2, duration: '2s', errorBackoff: '10ms' },
      }),
    );
    const g = summary.groups[0]!;
    expect(g.stopped).toBeUndefined();
    expect(g.requests.ok).toBeGreaterThan(5);
    expect(g.requests.errorsByKind.http_4xx).toBeGreaterThan(10);
  });
});

describe('a routing mix', () => {
  it("skips a stopped target's arrivals (dropped as target_stopped) while the other target takes its own", async () => {
    const server = await stubWith((res) =>
      jsonError(res, 404, 'The model `gpt-9` does not exist.', 'invalid_request_error', 'model_not_found'),
    );
    const { summary } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'gone', model: 'gpt-9', baseUrl: server.baseUrl }, healthy],
        routing: [
          { target: 'gone', weight: 1 },
          { target: 'healthy', weight: 1 },
        ],
        load: { concurrency: 2, duration: '2s', errorBackoff: '20ms' },
      }),
    );
    expect(server.requests.length).toBeLessThanOrEqual(12);
    const gone = summary.groups.find((g) => g.target === 'gone')!;
    expect(gone.stopped).toMatchObject({ afterRefusals: 10, status: 404 });
    expect(gone.requests.droppedBy.target_stopped).toBeGreaterThan(10);
    const ok = summary.groups.find((g) => g.target === 'healthy')!;
    expect(ok.requests.failed).toBe(0);
    expect(ok.requests.ok).toBeGreaterThan(2 * server.requests.length);
  });
});

describe('a failover route', () => {
  it('skips the hop of a stopped target: after the stop every request goes to the fallback at once', async () => {
    const server = await stubWith((res) => jsonError(res, 401, 'Incorrect API key provided.'));
    const { summary, measured } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'primary', model: 'm', baseUrl: server.baseUrl }, healthy],
        load: { concurrency: 2, duration: '2s' },
        // A breaker slower to open than the stop: the stop is what takes the hop out.
        failover: [{ name: 'chat', chain: ['primary', 'healthy'], on: ['http_4xx'], breaker: { failures: 1000 } }],
      }),
    );
    expect(server.requests.length).toBeLessThanOrEqual(12);
    const stop = summary.groups.find((g) => g.target === 'primary')!.stopped!;
    expect(stop).toMatchObject({ afterRefusals: 10 });
    // Every request the route's users sent after the stop went straight to the fallback, and was served.
    const after = measured.filter((r) => r.kind === 'outcome' && r.scheduledAtMs > stop.atMs);
    expect(after.length).toBeGreaterThan(10);
    for (const r of after) expect(r).toMatchObject({ errorKind: null, servedBy: 'healthy', attempts: 1 });
  });
});
