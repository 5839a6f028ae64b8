import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startStubServer, type StubServer } from '../support/stub-server.js';

// A server that writes a whole reply at once (as a batching server does, or as a busy client
// reads it): the 16 tokens arrive in one socket read. Their gaps were never timed, so ITL has no
// sample rather than fifteen 0 ms ones, the gaps are counted as coalesced, and the run says so.
// Beside it, a server that sends a token every 15 ms: every gap timed.

const chunk = (d: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: d, finish_reason: finish }] })}\n\n`;
const TOKENS = 16;
const usage = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 8, completion_tokens: TOKENS, total_tokens: 8 + TOKENS } })}\n\ndata: [DONE]\n\n`;

describe('tokens read in one socket read', () => {
  let burst: StubServer;
  let paced: StubServer;
  beforeAll(async () => {
    let whole = chunk({ role: 'assistant', content: '' });
    for (let i = 0; i < TOKENS; i++) whole += chunk({ content: ' word' });
    whole += chunk({}, 'stop') + usage;
    burst = await startStubServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(whole);
    });
    paced = await startStubServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const tick = () => {
        if (i++ < TOKENS) {
          res.write(chunk({ content: ' word' }));
          setTimeout(tick, 15);
        } else res.end(chunk({}, 'stop') + usage);
      };
      tick();
    });
  });
  afterAll(async () => {
    await burst?.close();
    await paced?.close();
  });

  it('are not timed as 0 ms gaps: ITL has no data for the bursting server, the gaps are counted, and a warning names it', async () => {
    const s = scenarioOf({
      name: 'bursts',
      targets: [
        { name: 'burst', model: 'm', baseUrl: burst.baseUrl },
        { name: 'paced', model: 'm', baseUrl: paced.baseUrl },
      ],
      workload: { promptTokens: 8, maxTokens: TOKENS },
      load: { concurrency: 2, requests: 10, warmup: 0 },
    });
    const { summary } = await runCollecting(s);
    const b = summary.groups.find((g) => g.target === 'burst')!;
    const p = summary.groups.find((g) => g.target === 'paced')!;
    expect(b.requests.ok).toBe(10);
    expect(b.metrics.itl.count).toBe(0);
    expect(b.metrics.itl.p50).toBeNull();
    expect(b.itlCoalesced).toEqual({ gaps: 10 * (TOKENS - 1), share: 1 });
    // TPOT still covers every token.
    expect(b.metrics.tpot.count).toBe(10);
    expect(summary.generator.warnings.join('\n')).toMatch(/bursts \(several in one socket read: burst 100\.0%/);
    expect(summary.generator.warnings.join('\n')).not.toContain('paced');
    // The paced server's gaps are timed (a pair of writes a slow loop read together is counted,
    // not timed), and they are its 15 ms timer's, not zeros.
    expect(p.metrics.itl.count + p.itlCoalesced.gaps).toBe(10 * (TOKENS - 1));
    expect(p.metrics.itl.count).toBeGreaterThan(0);
    expect(p.metrics.itl.p50).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
