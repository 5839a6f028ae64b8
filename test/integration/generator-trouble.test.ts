import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient } from '../../src/client/chat-client.js';
import { chatCall, clientDeps, endpointAt } from '../support/chat-call.js';
import { ensureBuilt, startMockProcess, type MockProcess } from '../support/cli-process.js';
import { contentChunk, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// The generator's own trouble is never filed against a target: a request the generator could not
// dispatch in time is not sent; an answer waiting unread while the generator was busy is read
// before a deadline is called; arrivals beyond the generator's connection cap are dropped by it.

describe("generator trouble is the generator's", () => {
  let stub: StubServer;
  beforeAll(async () => {
    stub = await startStubServer((_req, res) => streamCompletion(res, ['a', 'b']));
  });
  afterAll(async () => {
    await stub?.close();
  });

  it('a request dispatched later than the first-token timeout after its schedule is not sent: client_overload', async () => {
    const deps = clientDeps({ firstTokenTimeoutMs: 1000 });
    try {
      const hit = chatClient(endpointAt(stub.baseUrl), deps);
      const before = stub.requests.length;
      // Scheduled 1.5 s ago: by its schedule's clock it has already timed out.
      const r = await hit(chatCall(deps, { scheduledAtMs: deps.clock.now() - 1500 }));
      expect(r.errorKind).toBe('client_overload');
      expect(r.errorMessage).toMatch(/^not sent: dispatched 15\d\dms after its schedule, past the 1000ms first-token timeout/);
      expect(stub.requests.length).toBe(before);
      // Queue wait (maxInFlight, overflow: queue) is the scenario's choice, not the generator's lag.
      const queued = await hit(chatCall(deps, { scheduledAtMs: deps.clock.now() - 1500, queuedMs: 1400 }));
      expect(queued.errorKind).toBeNull();
    } finally {
      await deps.transport.close();
    }
  });
});

describe('an answer waiting unread while the generator was busy is read before a deadline is called', () => {
  let mock: MockProcess | undefined;
  let baseUrl: string;
  beforeAll(async () => {
    await ensureBuilt();
    // The server in its own process, so blocking this one does not delay its answer.
    mock = await startMockProcess({ ttftMs: 30, itlMs: 1 }, 60_000);
    baseUrl = mock.baseUrl;
  }, 130_000);
  afterAll(async () => {
    await mock?.stop();
  });

  it('the first-token deadline passes while the event loop is blocked, the token is already in the socket: a success, not ttft_timeout', async () => {
    const deps = clientDeps({ firstTokenTimeoutMs: 150, totalTimeoutMs: 10_000 });
    try {
      const hit = chatClient(endpointAt(baseUrl), deps);
      await hit(chatCall(deps, { maxTokens: 2 })); // open the connection first
      // On a machine loaded by other work the mock process itself may be starved past the hold;
      // then its answer really was late, and that attempt proves nothing. Up to three attempts: a
      // client that calls the deadline before reading the socket fails every one of them.
      const outcomes: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const pending = hit(chatCall(deps, { maxTokens: 2 }));
        // Let the request leave, then hold the event loop well past the 150 ms deadline while the
        // mock (its own process) answers at 30 ms. The hold runs in the check phase (setImmediate),
        // so that the next turn of the loop sees the expired deadline timer before it reads the
        // socket — the order that used to turn an answered request into a ttft_timeout.
        await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setImmediate(r));
        const until = performance.now() + 1000;
        while (performance.now() < until);
        const r = await pending;
        outcomes.push(r.errorKind ?? 'ok');
        if (r.errorKind !== null) continue;
        // The generator's own delay is in the number, where the saturation warning accounts for it.
        expect(r.firstTokenAtMs! - r.sentAtMs).toBeGreaterThanOrEqual(950);
        break;
      }
      expect(outcomes, outcomes.join(', ')).toContain('ok');
    } finally {
      await deps.transport.close();
    }
  });
});

describe("open loop: the generator's connection cap", () => {
  it('arrivals beyond the cap are dropped by the generator (connection_cap), and enough of them make the run invalid', async () => {
    const s = scenarioOf({
      targets: [{ name: 'slow', model: 'mock-model', mock: { rttMs: 0, ttftMs: 300, itlMs: 1 } }],
      load: { rate: 40, duration: '1s', maxConnections: 2 },
    });
    const { summary } = await runCollecting(s);
    const g = summary.groups[0]!;
    // 40 arrivals; at most 2 outstanding, each ~300 ms: about 8 sent, the rest dropped at the cap.
    expect(g.requests.total + g.requests.dropped).toBe(40);
    expect(g.requests.droppedBy.connection_cap).toBeGreaterThanOrEqual(25);
    expect(g.requests.failed).toBe(0);
    expect(g.offered!.scheduledPerSec).toBeCloseTo(40, 0);
    expect(g.offered!.droppedPerSec).toBeGreaterThan(20);
    expect(summary.validity.valid).toBe(false);
    expect(summary.validity.generatorDropped).toBe(g.requests.droppedBy.connection_cap);
  });
});

describe('a reply that costs the generator a second of CPU does not hold its event loop', () => {
  // A megabyte without a space (base64, the costliest text to count: ~1 µs a character) in 1 KB
  // deltas, without usage, so every character is counted here; and 100,000 one-character deltas.
  const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
  const b64 = randomBytes(786_432).toString('base64');
  const megabyte = [sse(contentChunk('', null, 'assistant'))];
  for (let i = 0; i < b64.length; i += 1024) megabyte.push(sse(contentChunk(b64.slice(i, i + 1024))));
  megabyte.push(sse(contentChunk(undefined, 'stop')), 'data: [DONE]\n\n');
  const deltas = [
    sse(contentChunk('', null, 'assistant')),
    ...Array<string>(100_000).fill(sse(contentChunk('x'))),
    sse(contentChunk(undefined, 'stop')),
    'data: [DONE]\n\n',
  ];
  const bodies: Record<string, string> = { megabyte: megabyte.join(''), deltas: deltas.join('') };

  let stub: StubServer;
  beforeAll(async () => {
    // One write of the whole body: the server's side costs this process next to nothing.
    stub = await startStubServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(bodies[(req.url ?? '').split('/')[1]!]);
    });
  });
  afterAll(async () => {
    await stub?.close();
  });

  // gapsWhile records how late a 1 ms timer runs, every turn, until `work` settles.
  async function gapsWhile<T>(work: Promise<T>): Promise<{ value: T; gaps: number[] }> {
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 1);
    try {
      return { value: await work, gaps };
    } finally {
      clearInterval(timer);
    }
  }
  const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
  // busyFor: work that is busy for `ms` but holds the loop 2 ms at a time, as a correct reader does.
  const busyFor = async (ms: number) => {
    for (const end = performance.now() + ms; performance.now() < end; ) {
      for (const stop = performance.now() + 2; performance.now() < stop; );
      await new Promise((r) => setImmediate(r));
    }
  };

  it.each([
    { mode: 'megabyte', tokens: (n: number) => expect(n).toBeGreaterThan(500_000) },
    { mode: 'deltas', tokens: (n: number) => expect(n).toBe(12_500) },
  ])(
    '$mode: a timer beside the read keeps its turns, as beside work that yields every 2 ms',
    async ({ mode, tokens }) => {
      const deps = clientDeps({ totalTimeoutMs: 60_000 });
      try {
        const hit = chatClient(endpointAt(`${stub.baseUrl.replace(/\/v1$/, '')}/${mode}/v1`), deps);
        // The baseline (below) is taken before and after the read, and the worse of the two is the
        // bar: a shared machine's load changes within seconds.
        const before = await gapsWhile(busyFor(2_000));
        const t0 = performance.now();
        const read = await gapsWhile(hit(chatCall(deps, { maxTokens: 1_000_000 })));
        const readMs = performance.now() - t0;
        // Baseline: the same timer beside work that is busy as long as the read but holds the loop
        // 2 ms at a time, as a correct reader does: on a machine shared with other test runs a busy
        // thread is descheduled in slices of tens of ms, whatever its code, and the baseline meets
        // that too.
        const after = await gapsWhile(busyFor(Math.min(readMs, 3_000)));
        const bar = Math.max(p95(before.gaps), p95(after.gaps));
        expect(read.value.errorKind, read.value.errorMessage ?? '').toBeNull();
        tokens(read.value.outputTokens!);
        // Holding the loop for 64 deltas at a time (80 ms of counting) put p95 at ~80–100 ms; reading
        // in steps of ~2 ms keeps it within a few ms of the baseline's. The margin (50 ms) is what a
        // machine shared with other suites adds between the baseline's moment and the read's (42 ms
        // against a 6 ms baseline was seen once), and still well below the bug's 80–100 ms.
        expect(
          p95(read.gaps),
          `read ${readMs.toFixed(0)} ms, ${read.gaps.length} turns; baseline p95 ${p95(before.gaps).toFixed(1)} ms before, ${p95(after.gaps).toFixed(1)} ms after`,
        ).toBeLessThan(bar + 50);
      } finally {
        await deps.transport.close();
      }
    },
    60_000,
  );
});
