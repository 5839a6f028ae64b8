import { parentPort } from 'node:worker_threads';
import { startMockServer, type MockServer, type MockServerOptions } from './server.js';

// Entry point of the mock worker thread (see worker-host.ts): it hosts any number of mock servers,
// starting and closing them on request. One thread for all of a run's mocks keeps memory flat
// (one tokenizer, one heap) however many targets a scenario has.
const servers = new Map<number, MockServer>();
parentPort!.on('message', (msg: { type: 'start'; id: number; opts: MockServerOptions } | { type: 'close' | 'anchor'; id: number }) => {
  if (msg.type === 'anchor') {
    void servers
      .get(msg.id)
      ?.anchor()
      .then(() => parentPort!.postMessage({ type: 'anchored', id: msg.id }));
  } else if (msg.type === 'start') {
    startMockServer(msg.opts).then(
      (server) => {
        servers.set(msg.id, server);
        parentPort!.postMessage({ type: 'listening', id: msg.id, port: server.port, baseUrl: server.baseUrl });
      },
      (err: Error) => parentPort!.postMessage({ type: 'error', id: msg.id, message: err.message }),
    );
  } else {
    const server = servers.get(msg.id);
    servers.delete(msg.id);
    void (server ? server.close() : Promise.resolve()).then(() =>
      parentPort!.postMessage({ type: 'closed', id: msg.id, completions: server?.completions ?? 0 }),
    );
  }
});
