import { Worker } from 'node:worker_threads';
import type { MockServer, MockServerOptions } from './server.js';

/**
 * startMockInWorker runs an embedded mock in its own worker thread. The mock's timers and JSON
 * encoding then do not share the generator's event loop, so a busy mock cannot show up as
 * client-side latency in the very numbers the run reports.
 */
export function startMockInWorker(opts: MockServerOptions): Promise<MockServer> {
  const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: opts });
  return new Promise((resolve, reject) => {
    let completions = 0;
    const onError = (err: Error) => reject(err);
    worker.once('error', onError);
    worker.on('message', (msg: { type: string; port?: number; baseUrl?: string; completions?: number }) => {
      if (msg.type === 'closed') completions = msg.completions ?? 0;
      if (msg.type !== 'listening') return;
      worker.off('error', onError);
      resolve({
        port: msg.port!,
        baseUrl: msg.baseUrl!,
        get completions() {
          return completions;
        },
        close: () =>
          new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage({ type: 'close' });
          }),
      });
    });
  });
}
