import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** ConnectProxy is an HTTP CONNECT proxy on 127.0.0.1 that logs every tunnel it was asked for. */
export interface ConnectProxy {
  readonly url: string;
  /** `host:port` of every CONNECT, in order. */
  readonly tunnels: string[];
  /** The proxy-authorization header of every CONNECT (undefined when none). */
  readonly auths: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * startConnectProxy starts a CONNECT proxy on 127.0.0.1:0. `hosts` maps names only the proxy can
 * resolve (as a corporate proxy resolves internal names) to 127.0.0.1; every tunnel goes to
 * loopback whatever it names, so a test never reaches another address.
 */
export async function startConnectProxy(hosts: Readonly<Record<string, string>> = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const auths: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    auths.push(req.headers['proxy-authorization']);
    const [host = '', port = '80'] = (req.url ?? '').split(/:(?=\d+$)/);
    if (host !== '127.0.0.1' && !(host in hosts)) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    auths,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
