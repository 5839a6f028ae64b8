import { Agent, request } from 'node:http';
import { startStubServer, type StubServer } from './stub-server.js';

/**
 * startRecordingProxy puts a stub server in front of an upstream API root (a mock's baseUrl) on
 * 127.0.0.1:0: every request is recorded (method, path, headers, body) and forwarded unchanged,
 * and the upstream's response is piped back as it streams. A test then sees exactly what a client
 * put on the wire and still gets the mock's real answer.
 */
export async function startRecordingProxy(upstreamBaseUrl: string): Promise<StubServer> {
  const upstream = new URL(upstreamBaseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const stub = await startStubServer((req, res, body) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    forward.end(body);
  });
  return {
    port: stub.port,
    baseUrl: stub.baseUrl,
    requests: stub.requests,
    close: async () => {
      agent.destroy();
      await stub.close();
    },
  };
}

/** bodyOf parses a recorded request body as the JSON object a client sent. */
export function bodyOf(recorded: { body: string }): Record<string, unknown> {
  return JSON.parse(recorded.body) as Record<string, unknown>;
}
