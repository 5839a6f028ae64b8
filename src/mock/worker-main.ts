import { parentPort, workerData } from 'node:worker_threads';
import { startMockServer, type MockServerOptions } from './server.js';

// Entry point of a mock running in a worker thread (see worker-host.ts): it starts the server,
// reports its address, and closes when told to.
const server = await startMockServer(workerData as MockServerOptions);
parentPort!.postMessage({ type: 'listening', port: server.port, baseUrl: server.baseUrl });
parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type === 'close') {
    void server.close().then(() => {
      parentPort!.postMessage({ type: 'closed', completions: server.completions });
      parentPort!.close();
    });
  }
});
