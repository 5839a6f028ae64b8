import { describe, expect, it } from 'vitest';
import { Exchange, readStream } from '../../src/client/read-response.js';
import { openaiChat } from '../../src/client/openai-chat.js';
import { newResult } from '../../src/metrics/request-result.js';
import type { Clock } from '../../src/metrics/clock.js';
import { tokenizer as tokenizerFor } from '../../src/workload/tokenizer.js';

// Tokens are stamped with the time of the socket read that brought them. Several in one read
// share its stamp: their gaps were not timed, and must not enter ITL as zeros.

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const finish = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

// reads: each element is one socket read (its bytes), read at the clock time beside it.
async function read(reads: readonly (readonly [atMs: number, text: string])[]) {
  let now = 0;
  const clock: Clock = { now: () => now } as Clock;
  async function* body() {
    for (const [at, text] of reads) {
      now = at;
      yield new TextEncoder().encode(text);
    }
  }
  const r = newResult({
    id: 1,
    phase: 'measure',
    target: 't',
    region: 'r',
    provider: 'openai',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: 0,
    queuedMs: 0,
    inputTokens: 1,
    requestedOutputTokens: 8,
  } as Parameters<typeof newResult>[0]);
  const x = new Exchange(r, tokenizerFor('o200k_base'));
  await readStream(
    body(),
    openaiChat,
    x,
    clock,
    () => {},
    () => {},
  );
  return r;
}

describe('readStream: inter-token gaps and coalesced reads', () => {
  const cases: { name: string; reads: [number, string][]; itl: number[]; coalesced: number }[] = [
    {
      name: 'one token per read: every gap timed',
      reads: [
        [10, chunk('a')],
        [30, chunk('b')],
        [50, chunk('c')],
        [55, finish],
      ],
      itl: [20, 20],
      coalesced: 0,
    },
    {
      name: 'three tokens in one read: one gap timed (since the read before), two coalesced',
      reads: [
        [10, chunk('a')],
        [70, chunk('b') + chunk('c') + chunk('d')],
        [90, chunk('e') + finish],
      ],
      itl: [60, 20],
      coalesced: 2,
    },
    {
      name: 'the whole reply in one read: first token, then nothing timed',
      reads: [[10, chunk('a') + chunk('b') + chunk('c') + finish]],
      itl: [],
      coalesced: 2,
    },
    {
      name: 'an event split across reads is stamped at the read that completes it',
      reads: [
        [10, chunk('a')],
        [20, chunk('b').slice(0, 30)],
        [45, chunk('b').slice(30) + chunk('c')],
        [60, finish],
      ],
      itl: [35],
      coalesced: 1,
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const r = await read(c.reads);
      expect(r.errorKind).toBeNull();
      expect(r.firstTokenAtMs).toBe(10);
      expect(r.itlMs).toEqual(c.itl);
      expect(r.coalescedGaps).toBe(c.coalesced);
      expect(r.itlMs.length + r.coalescedGaps).toBe(r.contentDeltas - 1);
      expect(r.itlMs).not.toContain(0);
    });
});
