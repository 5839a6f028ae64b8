import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startMockProcess, writeDoc, type MockProcess } from '../support/cli-process.js';

// What worker threads post to their parent carries no secret: a target's header value and API key
// stay in the worker that sends them. The threads run the built entry point
// (dist/runner/run-worker.js), so the library is imported from dist/ too, as a program would.
type Library = typeof import('../../src/index.js');
let lib: Library;
let dir: string;
let mock: MockProcess;

const HEADER_CANARY = 'canary-header-7f3e9d1c';
const KEY_CANARY = 'canary-key-52b8a0e4';

beforeAll(async () => {
  await ensureBuilt();
  lib = (await import('../../dist/index.js')) as Library;
  dir = await mkdtemp(join(tmpdir(), 'bakeoff-worker-messages-'));
  // Slow enough that a tiny maxInFlight drops most arrivals.
  mock = await startMockProcess({ ttftMs: 40, itlMs: 2, rttMs: 1 });
}, 130_000);
afterAll(async () => {
  await mock?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('runInWorkers', () => {
  it("posts results, dropped arrivals' labels and summaries that hold no header value or key", async () => {
    const file = await writeDoc(dir, 'canary.yaml', {
      name: 'canary',
      seed: 4,
      targets: [
        {
          name: 'm',
          provider: 'openai',
          model: 'gpt-4o-mini',
          baseUrl: mock.baseUrl,
          apiKeyEnv: 'CANARY_API_KEY',
          headers: { 'X-Canary': HEADER_CANARY },
        },
      ],
      workload: { promptTokens: 20, maxTokens: 4, stream: true },
      load: { rate: 200, duration: '600ms', maxInFlight: 2, overflow: 'drop' },
    });
    const posted: unknown[] = [];
    const summary = await lib.runInWorkers({
      file,
      runId: 'canary',
      env: { CANARY_API_KEY: KEY_CANARY },
      useMock: false,
      share: { index: 0, count: 1 },
      workers: 2,
      clock: lib.monotonicClock(),
      stop: new AbortController().signal,
      hardStop: new AbortController().signal,
      outputs: [{ add: (r) => void posted.push(r), dropped: (d) => void posted.push(d) }],
    });
    const results = posted.filter((m) => 'target' in (m as object));
    const dropped = posted.filter((m) => 'labels' in (m as object));
    // Both kinds of message were posted (else the check below would check nothing).
    expect(results.length).toBeGreaterThan(0);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]).toMatchObject({ scope: 'target', labels: { target: 'm', provider: 'openai', model: 'gpt-4o-mini' } });
    const text = JSON.stringify(posted) + JSON.stringify(summary);
    expect(text.includes(HEADER_CANARY), 'a header value was posted').toBe(false);
    expect(text.includes(KEY_CANARY), 'the API key was posted').toBe(false);
  }, 60_000);
});
