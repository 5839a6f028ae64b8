import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/workload/chat-message.js';
import type { RequestResult } from '../../src/metrics/request-result.js';
import type { GroupSummary } from '../../src/metrics/group-summary.js';
import { consoleTable } from '../../src/report/console-table.js';
import { planScenario } from '../../src/runner/plan.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { conversationSource } from '../../src/workload/request-source.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import {
  contentChunk,
  sseData,
  sseHeaders,
  startStubServer,
  streamCompletion,
  type StubHandler,
  type StubServer,
} from '../support/stub-server.js';

// Workload mixes, conversations and routing, end to end on loopback: stub servers that record
// what they were sent (and answer in ways the test can trace back), and embedded mocks.

interface ChatBody {
  messages: ChatMessage[];
  max_tokens: number;
}

const bodies = (stub: StubServer): ChatBody[] => stub.requests.map((r) => JSON.parse(r.body) as ChatBody);
const lastUser = (b: { messages: readonly ChatMessage[] }) => b.messages.at(-1)!.content;
const nonSystem = (b: ChatBody) => b.messages.filter((m) => m.role !== 'system');

/** mixScenario validates a scenario that sets `workloads` (the test default sets `workload`). */
function mixScenario(doc: Record<string, unknown>): Scenario {
  return scenarioOf({ workload: undefined, ...doc });
}

const stubTarget = (name: string, stub: StubServer) => ({ name, model: 'stub-model', baseUrl: stub.baseUrl });
const mockTarget = (name: string, mock: Record<string, unknown> = {}) => ({
  name,
  model: 'mock-model',
  mock: { rttMs: 0, ttftMs: 1, itlMs: 0, ...mock },
});

/** replyTo is the reply the echo stub sends to a user message: traceable back to that message. */
function replyTo(user: string): string {
  return `reply-to-${createHash('sha256').update(user).digest('hex').slice(0, 8)}`;
}

/** echoStub answers every request with replyTo(its last user message), streamed in three parts, with usage. */
const echoStub: StubHandler = (_req, res, body) => {
  const reply = replyTo(lastUser(JSON.parse(body) as ChatBody));
  streamCompletion(res, [reply.slice(0, 5), reply.slice(5, 9), reply.slice(9)]);
};

/** streamWithUsage streams `tokens` but reports `completionTokens` in usage, as a provider with its own count might. */
function streamWithUsage(res: ServerResponse, tokens: readonly string[], completionTokens: number): void {
  sseHeaders(res);
  sseData(res, contentChunk('', null, 'assistant'));
  for (const t of tokens) sseData(res, contentChunk(t));
  sseData(res, contentChunk(undefined, 'stop'));
  sseData(res, {
    id: 'chatcmpl-stub',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'stub',
    choices: [],
    usage: { prompt_tokens: 1, completion_tokens: completionTokens, total_tokens: 1 + completionTokens },
  });
  res.end('data: [DONE]\n\n');
}

const MIX = [
  {
    name: 'chat',
    weight: 3,
    systemPrompt: 'You are a support agent.',
    promptTokens: { dist: 'uniform', min: 8, max: 40 },
    maxTokens: 6,
    turns: 2,
  },
  { name: 'rag', weight: 2, promptTokens: 30, maxTokens: { dist: 'uniform', min: 2, max: 12 } },
  { name: 'summary', weight: 1, promptTokens: 24, sharedPrefixTokens: 12, maxTokens: 5 },
];

describe('workloads end to end', () => {
  const stubs: StubServer[] = [];
  const stub = async (handler: StubHandler) => {
    const s = await startStubServer(handler);
    stubs.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(stubs.map((s) => s.close()));
  });

  it('paired: two targets on the same mix receive the identical sequence of requests', async () => {
    const a = await stub(echoStub);
    const b = await stub(echoStub);
    const s = mixScenario({
      seed: 31,
      targets: [stubTarget('a', a), stubTarget('b', b)],
      workloads: MIX,
      load: { concurrency: 1, requests: 20 },
    });
    const { summary, measured } = await runCollecting(s);

    expect(summary.traffic).toMatchObject({ mode: 'paired', seed: 31 });
    for (const r of measured) expect(r.errorKind, r.errorMessage).toBeNull();
    const sentA = bodies(a);
    const sentB = bodies(b);
    expect(sentA.length).toBeGreaterThan(20); // 20 conversations, some of two turns
    expect(sentB).toEqual(sentA);

    // The runner walks the scenario's source from seq 0: request by request, the prompts the source gives.
    const src = conversationSource(s.workloads, s.seed);
    const expected = Array.from({ length: 20 }, (_, seq) => {
      const c = src.at(seq);
      return Array.from({ length: c.turns }, (_, k) => lastUser(c.turn(k, [])));
    }).flat();
    expect(sentA.map(lastUser)).toEqual(expected);
    // The mix really mixed: every workload was sent.
    expect(new Set(measured.map((r) => r.workload))).toEqual(new Set(['chat', 'rag', 'summary']));
  });

  it('turn k carries the k earlier exchanges with the replies the server actually sent, after the think time', async () => {
    const THINK_MS = 50;
    const server = await stub(echoStub);
    const s = mixScenario({
      seed: 5,
      targets: [stubTarget('echo', server)],
      workloads: [{ name: 'support', systemPrompt: 'Be kind.', promptTokens: 12, maxTokens: 8, turns: 3, thinkTimeMs: THINK_MS }],
      load: { concurrency: 1, requests: 4 },
    });
    const { summary, measured } = await runCollecting(s);

    // load.requests counts conversations here: 4 conversations of 3 turns.
    expect(measured.map((r) => r.turn)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    for (const r of measured) expect(r.errorKind, r.errorMessage).toBeNull();
    const sent = bodies(server);
    expect(sent).toHaveLength(12);

    const thirdTurns = sent.filter((b) => nonSystem(b).length === 5);
    expect(thirdTurns).toHaveLength(4);
    for (const b of thirdTurns) {
      expect(b.messages[0]).toEqual({ role: 'system', content: 'Be kind.' });
      const [u0, a0, u1, a1, u2] = nonSystem(b);
      expect([u0!.role, a0!.role, u1!.role, a1!.role, u2!.role]).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
      expect(a0!.content).toBe(replyTo(u0!.content));
      expect(a1!.content).toBe(replyTo(u1!.content));
      // The earlier turns were sent on their own before, with the same user texts.
      expect(sent.some((x) => nonSystem(x).length === 1 && lastUser(x) === u0!.content)).toBe(true);
      expect(sent.some((x) => nonSystem(x).length === 3 && lastUser(x) === u1!.content && x.messages.at(-2)!.content === a0!.content)).toBe(
        true,
      );
    }

    // Closed loop, one user: each conversation's turns are consecutive results. Node's timers
    // count whole milliseconds, so a think-time sleep can wake up to 1 ms before its time on the
    // sub-millisecond monotonic clock; that much slack, no more.
    const TIMER_SLACK_MS = 1;
    for (let i = 0; i < measured.length; i++) {
      const r = measured[i]!;
      if (r.turn === 1) continue;
      const prev = measured[i - 1]!;
      expect(prev.turn).toBe(r.turn - 1);
      expect(r.scheduledAtMs, `turn ${r.turn} scheduled ${r.scheduledAtMs}, previous ended ${prev.endAtMs}`).toBeGreaterThanOrEqual(
        prev.endAtMs + THINK_MS - TIMER_SLACK_MS,
      );
    }
    expect(summary.groups.find((g) => g.scope === 'target')!.requests.total).toBe(12);
  });

  it('a failed turn ends its conversation: later turns are never sent', async () => {
    // Turn 1 (system + user) succeeds; turn 2 (with an earlier exchange) gets a 500.
    const server = await stub((_req, res, body) => {
      const b = JSON.parse(body) as ChatBody;
      if (nonSystem(b).length > 1) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error', param: null, code: null } }));
      } else echoStub(_req, res, body);
    });
    const s = mixScenario({
      targets: [stubTarget('flaky', server)],
      workloads: [{ name: 'support', promptTokens: 8, maxTokens: 4, turns: 3 }],
      load: { concurrency: 1, requests: 3, errorBackoff: 0 },
    });
    const { measured } = await runCollecting(s);
    expect(measured.map((r) => [r.turn, r.errorKind])).toEqual([
      [1, null],
      [2, 'http_5xx'],
      [1, null],
      [2, 'http_5xx'],
      [1, null],
      [2, 'http_5xx'],
    ]);
    expect(server.requests).toHaveLength(6);
  });

  it('routing 80/20: one stream split by weight, every request counted once', async () => {
    const s = scenarioOf({
      seed: 9,
      targets: [mockTarget('cheap'), mockTarget('premium')],
      routing: [
        { target: 'cheap', weight: 80 },
        { target: 'premium', weight: 20 },
      ],
      workload: { promptTokens: 8, maxTokens: 2 },
      load: { concurrency: 4, requests: 200 },
    });
    const { summary, measured } = await runCollecting(s);

    expect(summary.traffic?.mode).toBe('routed');
    expect(summary.traffic?.note).toMatch(/cheap 80, premium 20/);
    expect(measured).toHaveLength(200);
    for (const r of measured) expect(r.errorKind, r.errorMessage).toBeNull();
    const [cheap, premium] = ['cheap', 'premium'].map((t) => summary.groups.find((g) => g.scope === 'target' && g.target === t)!);
    expect(cheap!.requests.total + premium!.requests.total).toBe(200);
    expect(Math.abs(cheap!.requests.total / 200 - 0.8)).toBeLessThanOrEqual(0.08);
    expect(Math.abs(premium!.requests.total / 200 - 0.2)).toBeLessThanOrEqual(0.08);
    expect(cheap!.requests.total).toBe(measured.filter((r) => r.target === 'cheap').length);
    // Routed requests are not paired: the plan and the table say so.
    expect(planScenario(s).traffic).toMatch(/^routed/);
    expect(consoleTable(summary)).toContain('targets are not paired');
  });

  it('routing keeps a conversation on one target: every later turn goes where its first turn went', async () => {
    const a = await stub(echoStub);
    const b = await stub(echoStub);
    const s = mixScenario({
      seed: 12,
      targets: [stubTarget('a', a), stubTarget('b', b)],
      routing: [
        { target: 'a', weight: 1 },
        { target: 'b', weight: 1 },
      ],
      workloads: [{ name: 'support', promptTokens: 8, maxTokens: 4, turns: 2 }],
      load: { concurrency: 2, requests: 20 },
    });
    const { measured } = await runCollecting(s);
    expect(measured).toHaveLength(40);
    for (const server of [a, b]) {
      const sent = bodies(server);
      expect(sent.length).toBeGreaterThan(0);
      const firstTurns = new Set(sent.filter((x) => x.messages.length === 1).map(lastUser));
      const secondTurns = sent.filter((x) => x.messages.length === 3);
      expect(secondTurns).toHaveLength(firstTurns.size);
      for (const x of secondTurns) expect(firstTurns.has(x.messages[0]!.content)).toBe(true);
    }
  });

  it('usage vs local count: a server that reports 2 more output tokens than it streamed shows |Δ| = 2', async () => {
    const TOKENS = ['one', ' two', ' three']; // 3 tokens in o200k_base
    const server = await stub((_req, res) => streamWithUsage(res, TOKENS, TOKENS.length + 2));
    const s = scenarioOf({ targets: [stubTarget('overcount', server)], load: { concurrency: 2, requests: 10 } });
    const { summary } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(g.requests).toMatchObject({ total: 10, ok: 10 });
    expect(g.tokens.source).toEqual({ usage: 10, counted: 0 });
    expect(g.tokens.output).toBe(50); // the server's usage is what counts
    expect(g.tokens.usageVsCounted).toEqual({ requests: 10, usageOutput: 50, countedOutput: 30, meanAbsDiff: 2, maxAbsDiff: 2 });
    expect(consoleTable(summary)).toContain('50 vs 30 (mean |Δ| 2/req, max 2)');
  });

  it('usage vs local count is sampled on long runs: the first 100 replies, then one in 10', async () => {
    const TOKENS = ['one', ' two', ' three'];
    const server = await stub((_req, res) => streamWithUsage(res, TOKENS, TOKENS.length + 2));
    const s = scenarioOf({ targets: [stubTarget('sampled', server)], load: { concurrency: 4, requests: 250, warmup: 0 } });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(g.requests).toMatchObject({ total: 250, ok: 250 });
    // Replies 0–99, then 100, 110, … 240.
    expect(g.tokens.usageVsCounted).toMatchObject({ requests: 115, meanAbsDiff: 2, maxAbsDiff: 2 });
    expect(measured.filter((r) => r.outputTokensCounted === null)).toHaveLength(135);
    // Every reply's tokens are still the server's.
    expect(g.tokens.output).toBe(250 * 5);
  });

  it('requested vs received output: a mock that stops at 3 tokens under a limit of 8', async () => {
    const s = scenarioOf({
      targets: [mockTarget('short', { outputTokens: 3 })],
      workload: { promptTokens: 8, maxTokens: 8 },
      load: { concurrency: 2, requests: 10 },
    });
    const { summary, measured } = await runCollecting(s);
    const g = summary.groups[0]!;
    expect(g.requests).toMatchObject({ total: 10, ok: 10 });
    expect(g.tokens.requestedOutput).toBe(80);
    expect(g.tokens.output).toBe(30);
    expect(g.tokens.output).toBeLessThan(g.tokens.requestedOutput);
    for (const r of measured)
      expect(r).toMatchObject({ requestedOutputTokens: 8, outputTokens: 3, outputTokensCounted: 3, finishReason: 'stop' });
    // The mock's usage agrees with our tokenizer on its own text.
    expect(g.tokens.usageVsCounted).toMatchObject({ requests: 10, meanAbsDiff: 0, maxAbsDiff: 0 });
    expect(consoleTable(summary)).toMatch(/^tokens:/m);
  });

  it('per-workload and per-turn groups for a two-workload mix where one has two turns', async () => {
    const s = mixScenario({
      seed: 3,
      targets: [mockTarget('m')],
      workloads: [
        { name: 'chat', weight: 1, promptTokens: 8, maxTokens: 3, turns: 2 },
        { name: 'rag', weight: 1, promptTokens: 20, maxTokens: 5 },
      ],
      load: { concurrency: 2, requests: 16 },
    });
    const { summary, measured } = await runCollecting(s);
    const byKey = new Map(summary.groups.map((g) => [g.key, g]));
    expect([...byKey.keys()].sort()).toEqual(['m', 'm/chat', 'm/chat#1', 'm/chat#2', 'm/rag', 'm/rag#1']);

    const count = (f: (r: RequestResult) => boolean) => measured.filter(f).length;
    const expectGroup = (key: string, scope: GroupSummary['scope'], labels: Partial<GroupSummary>, total: number) => {
      const g = byKey.get(key)!;
      expect(g.scope, key).toBe(scope);
      expect(g, key).toMatchObject({ target: 'm', ...labels });
      expect(g.requests.total, key).toBe(total);
      expect(g.requests.ok, key).toBe(total);
    };
    expectGroup('m', 'target', {}, measured.length);
    expect(byKey.get('m')!.workload).toBeUndefined();
    expectGroup(
      'm/chat',
      'workload',
      { workload: 'chat' },
      count((r) => r.workload === 'chat'),
    );
    expectGroup(
      'm/rag',
      'workload',
      { workload: 'rag' },
      count((r) => r.workload === 'rag'),
    );
    expect(byKey.get('m/chat')!.turn).toBeUndefined();
    expectGroup(
      'm/chat#1',
      'turn',
      { workload: 'chat', turn: 1 },
      count((r) => r.workload === 'chat' && r.turn === 1),
    );
    expectGroup(
      'm/chat#2',
      'turn',
      { workload: 'chat', turn: 2 },
      count((r) => r.workload === 'chat' && r.turn === 2),
    );
    expectGroup(
      'm/rag#1',
      'turn',
      { workload: 'rag', turn: 1 },
      count((r) => r.workload === 'rag'),
    );
    // Every chat conversation reached its second turn; 16 conversations in all.
    expect(count((r) => r.workload === 'chat' && r.turn === 2)).toBe(count((r) => r.workload === 'chat' && r.turn === 1));
    expect(count((r) => r.turn === 1)).toBe(16);
    expect(count((r) => r.workload === 'rag')).toBeGreaterThan(0);
    // The second turn carries the first exchange: more input per request.
    expect(byKey.get('m/chat#2')!.tokens.input / byKey.get('m/chat#2')!.requests.total).toBeGreaterThan(
      byKey.get('m/chat#1')!.tokens.input / byKey.get('m/chat#1')!.requests.total,
    );

    const table = consoleTable(summary);
    expect(table).toContain('by workload:');
    expect(table).toContain('by conversation turn');
    expect(table).toMatch(/^m\s+chat turn 2\s/m);
    expect(table).toMatch(/^m\s+rag\s/m);
    // The main table keeps one row per target.
    expect(table.split('\n').filter((l) => /^m\s+default\s+mock-model/.test(l))).toHaveLength(1);
  });

  it('a single-turn, single-workload scenario keeps only target groups', async () => {
    const s = scenarioOf({ targets: [mockTarget('solo')], load: { concurrency: 1, requests: 3 } });
    const { summary } = await runCollecting(s);
    expect(summary.groups.map((g) => [g.key, g.scope])).toEqual([['solo', 'target']]);
    const table = consoleTable(summary);
    expect(table).not.toContain('by workload:');
    expect(table).not.toContain('by conversation turn');
  });

  // load.requests counts conversations for multi-turn workloads; the plan multiplies by the turns.
  it('load.requests with multi-turn conversations: the plan expects what the run measures', async () => {
    const s = mixScenario({
      targets: [mockTarget('m')],
      workloads: [{ name: 'support', promptTokens: 8, maxTokens: 3, turns: 3 }],
      load: { concurrency: 1, requests: 4 },
    });
    const plan = planScenario(s);
    const { measured } = await runCollecting(s);
    expect(plan.targets[0]!.expectedRequests).toBe(measured.length);
  });
});

describe("multi-turn conversations end with the load's time", () => {
  it('no new turn starts after the duration: the run ends on time and counts the conversations it cut short', async () => {
    const s = scenarioOf({
      targets: [{ name: 'chat', model: 'mock-model', mock: { rttMs: 0, ttftMs: 20, itlMs: 1 } }],
      workload: { promptTokens: 16, maxTokens: 4, turns: 5, thinkTimeMs: 300 },
      load: { concurrency: 2, duration: '1s' },
    });
    const { summary, measured, elapsedMs } = await runCollecting(s);
    // Without the cut, conversations begun before 1 s would run their 5 turns: ~2.6 s in all.
    expect(elapsedMs).toBeLessThan(1_600);
    const m = summary.measurement;
    expect(m.scheduleEndedAtMs).not.toBeNull();
    expect(m.conversationsCutShort).toBeGreaterThanOrEqual(1);
    expect(summary.groups.find((g) => g.scope === 'target')!.conversationsCutShort).toBe(m.conversationsCutShort);
    for (const r of measured) expect(r.scheduledAtMs).toBeLessThanOrEqual(m.scheduleEndedAtMs!);
    expect(m.note).toMatch(
      /^the load scheduled arrivals until 1\.\d s; (requests in flight then ran until [\d.]+ s; )?\d+ conversations? (was|were) cut short \(no new turn starts after the schedule ends\)$/,
    );
  });

  it('a request-count run is not cut: every conversation it started runs all its turns', async () => {
    const s = scenarioOf({
      targets: [{ name: 'chat', model: 'mock-model', mock: { rttMs: 0, ttftMs: 5, itlMs: 1 } }],
      workload: { promptTokens: 16, maxTokens: 4, turns: 3 },
      load: { concurrency: 2, requests: 4 },
    });
    const { summary, measured } = await runCollecting(s);
    expect(measured).toHaveLength(12);
    expect(summary.measurement).toMatchObject({ scheduleEndedAtMs: null, conversationsCutShort: 0 });
  });
});
