import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { ensureBuilt } from '../support/cli-process.js';

// The counting thread runs the built entry (dist/workload/count-worker-main.js), as the CLI does,
// so its host is imported from dist/ too. (From TypeScript sources counting stays on the calling
// thread: the other tests run that way.)
type Host = typeof import('../../src/workload/count-worker-host.js');
let host: Host;

describe('the counting thread', () => {
  beforeAll(async () => {
    await ensureBuilt();
    host = (await import('../../dist/workload/count-worker-host.js')) as Host;
  }, 130_000);

  it('is used from the build, and counts as the tokenizer does, every answer to its own question', async () => {
    expect(host.offThreadCounting()).toBe(true);
    const texts = [
      '',
      'hello world',
      'The quick brown fox. '.repeat(2000),
      randomBytes(3000).toString('base64'),
      'héllo 世界 🚀 '.repeat(100),
    ];
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const counts = await Promise.all(texts.map((t) => host.countOffThread(encoding, t)));
      expect(counts).toEqual(texts.map((t) => tokenizer(encoding).count(t)));
    }
  });

  it('a second of counting there leaves this thread free: a 1 ms timer here keeps its turns', async () => {
    const text = randomBytes(786_432).toString('base64');
    const gaps = async (work: Promise<unknown>) => {
      const out: number[] = [];
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        out.push(now - last);
        last = now;
      }, 1);
      await work;
      clearInterval(timer);
      return out.sort((a, b) => a - b)[Math.floor(out.length * 0.95)]!;
    };
    const t0 = performance.now();
    const counting = host.countOffThread('o200k_base', text);
    const during = await gaps(counting);
    const countMs = performance.now() - t0;
    const idle = await gaps(new Promise((r) => setTimeout(r, Math.min(countMs, 2_000))));
    expect(await counting).toBeGreaterThan(500_000);
    // Counted on this thread, the megabyte would hold it for the whole second.
    expect(during, `counted in ${countMs.toFixed(0)} ms`).toBeLessThan(idle + 25);
  }, 60_000);
});
