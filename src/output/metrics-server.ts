import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** MetricsSource is what the server exposes: the exposition text and its content type. */
export interface MetricsSource {
  exposition(): Promise<string>;
  readonly contentType: string;
}

/** MetricsServer is a listening /metrics endpoint. */
export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  port: number;
  /** Scrapes of /metrics answered so far. */
  readonly scrapes: number;
  /**
   * finalScrape resolves once a scrape that began after this call has been answered — the
   * run's final numbers, read by Prometheus — or after `maxMs`, or when `stop` aborts, whichever
   * comes first. It says which.
   */
  finalScrape(maxMs: number, stop?: AbortSignal): Promise<'scraped' | 'timeout' | 'stopped'>;
  /** Stops listening and closes open connections (a scraper's keep-alive ones too). */
  close(): Promise<void>;
}

/**
 * serveMetrics listens on host:port (0: a free port) and answers GET /metrics with the source's
 * exposition. It shares the event loop with the run it describes, so a scrape does no more than
 * render counters already kept; the listen fails as the bind failed (EADDRINUSE, EADDRNOTAVAIL,
 * EACCES), before any traffic, for the caller to word.
 */
export async function serveMetrics(source: MetricsSource, host: string, port: number): Promise<MetricsServer> {
  let scrapes = 0;
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => handle(req, res));

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed: GET /metrics\n');
      return;
    }
    const started = new Set(waiters);
    source.exposition().then(
      (body) => {
        res.writeHead(200, { 'content-type': source.contentType, 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
        scrapes++;
        // Only a scrape that began after finalScrape() was called carries the final numbers.
        for (const done of started) done();
      },
      (err: unknown) => {
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${hostPart}:${addr.port}/metrics`,
    port: addr.port,
    get scrapes() {
      return scrapes;
    },
    finalScrape(maxMs, stop) {
      if (maxMs <= 0 || stop?.aborted) return Promise.resolve(stop?.aborted ? 'stopped' : 'timeout');
      return new Promise((resolve) => {
        const finish = (how: 'scraped' | 'timeout' | 'stopped') => {
          clearTimeout(timer);
          stop?.removeEventListener('abort', onStop);
          waiters.delete(onScrape);
          resolve(how);
        };
        const onScrape = () => finish('scraped');
        const onStop = () => finish('stopped');
        const timer = setTimeout(() => finish('timeout'), maxMs);
        waiters.add(onScrape);
        stop?.addEventListener('abort', onStop, { once: true });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would hold close() open until it idles out.
        server.closeAllConnections();
      }),
  };
}
