import { Worker } from 'node:worker_threads';
import type { MockServer, MockServerOptions } from './server.js';

type Reply =
  | { type: 'listening'; id: number; port: number; baseUrl: string }
  | { type: 'error'; id: number; message: string }
  | { type: 'closed'; id: number; completions: number }
  | { type: 'anchored'; id: number };

let worker: Worker | null = null;
let open = 0;
let nextId = 0;
const waiting = new Map<number, (r: Reply) => void>();

// The shared worker, started on first use and ended when its last server closes.
function host(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./worker-main.js', import.meta.url));
    worker.on('message', (r: Reply) => {
      const done = waiting.get(r.id);
      waiting.delete(r.id);
      done?.(r);
    });
    worker.on('error', (err) => {
      for (const done of waiting.values()) done({ type: 'error', id: -1, message: err.message });
      waiting.clear();
    });
  }
  return worker;
}

function ask(msg: { type: string; id: number; opts?: MockServerOptions }): Promise<Reply> {
  return new Promise((resolve) => {
    waiting.set(msg.id, resolve);
    host().postMessage(msg);
  });
}

/**
 * startMockInWorker runs an embedded mock in a worker thread shared by all of a run's mocks. The
 * mocks' timers and JSON encoding then do not share the generator's event loop, so a busy mock
 * cannot show up as client-side latency in the very numbers the run reports.
 */
export async function startMockInWorker(opts: MockServerOptions): Promise<MockServer> {
  const id = nextId++;
  open++;
  const r = await ask({ type: 'start', id, opts });
  if (r.type !== 'listening') {
    await release();
    throw new Error(`embedded mock failed to start: ${r.type === 'error' ? r.message : r.type}`);
  }
  let completions = 0;
  let closed = false;
  return {
    port: r.port,
    baseUrl: r.baseUrl,
    get completions() {
      return completions;
    },
    async anchor() {
      if (!closed) await ask({ type: 'anchor', id });
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = await ask({ type: 'close', id });
      if (c.type === 'closed') completions = c.completions;
      await release();
    },
  };
}

async function release(): Promise<void> {
  open--;
  if (open === 0 && worker) {
    const w = worker;
    worker = null;
    await w.terminate();
  }
}
