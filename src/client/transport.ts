import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client, buildConnector, type Dispatcher } from 'undici';

/** ConnectTiming is what opening one connection cost, in ms. */
export interface ConnectTiming {
  /** DNS lookup; null when the host was an IP literal (no lookup happened). */
  dnsMs: number | null;
  /** TCP three-way handshake. */
  tcpMs: number;
  /** TLS handshake; null for plain http. */
  tlsMs: number | null;
}

/**
 * Lease is exclusive use of one connection (an undici Client with pipelining 1) for one request.
 * Exclusivity is what makes connection timing attributable: if the connection was opened during
 * the lease, this request paid for the handshake, and no other.
 */
export interface Lease {
  readonly dispatcher: Dispatcher;
  /** The handshake this lease's connection went through since it was leased, or null if it was reused. */
  takeConnectTiming(): ConnectTiming | null;
  /** Whether a connection was opened for this lease: 'new' (opened), 'failed' (tried, and the connect failed) or 'reused' (none opened). */
  connectionUse(): 'new' | 'failed' | 'reused';
  /** Give the connection back (reuse) or close it (fresh). */
  release(): void;
}

/** Transport hands out connections per origin. */
export interface Transport {
  lease(origin: string): Lease;
  close(): Promise<void>;
}

/** TransportOptions configure connection handling for a run. */
export interface TransportOptions {
  /** TCP (+TLS) connect timeout in ms. */
  connectTimeoutMs: number;
  /**
   * reuse (default): keep-alive connections, pooled per origin, so handshakes are paid once per
   * connection. fresh: a new connection for every request, so DNS/TCP/TLS land inside TTFT —
   * what some tools do by accident, here a labelled choice.
   */
  connection?: 'reuse' | 'fresh';
}

interface Slot {
  client: Client;
  timing: ConnectTiming | null;
  /** A connect began during the current lease, and whether it failed. */
  connecting: boolean;
  connectFailed: boolean;
}

/**
 * transport makes the connection pool a run sends through. It is a pool of single-connection
 * undici Clients rather than undici's own Pool, because a Pool does not say which request opened
 * which connection. undici's header/body timeouts are off: the client enforces first-token and
 * total timeouts itself, each with its own error kind.
 */
export function transport(opts: TransportOptions): Transport {
  const fresh = opts.connection === 'fresh';
  const idle = new Map<string, Slot[]>();
  const all = new Set<Client>();
  let closed = false;

  const open = (origin: string): Slot => {
    const slot: Slot = { client: undefined as unknown as Client, timing: null, connecting: false, connectFailed: false };
    const base = buildConnector({ timeout: opts.connectTimeoutMs });
    slot.client = new Client(origin, {
      connect: (o, cb) => {
        const t0 = performance.now();
        slot.connecting = true;
        let tLookup: number | null = null;
        let tConnect: number | null = null;
        const socket = (base as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket)(o, (err, sock) => {
          if (err) slot.connectFailed = true;
          else {
            const tEnd = performance.now();
            const tcpStart = tLookup ?? t0;
            const tcpEnd = tConnect ?? tEnd;
            slot.timing = {
              dnsMs: tLookup === null ? null : tLookup - t0,
              tcpMs: tcpEnd - tcpStart,
              tlsMs: o.protocol === 'https:' ? tEnd - tcpEnd : null,
            };
          }
          (cb as (...a: unknown[]) => void)(err, sock);
        });
        socket.once('lookup', () => (tLookup = performance.now()));
        socket.once('connect', () => (tConnect = performance.now()));
      },
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    all.add(slot.client);
    return slot;
  };

  return {
    lease(origin) {
      if (closed) throw new Error('transport is closed');
      const slot = (!fresh && idle.get(origin)?.pop()) || open(origin);
      slot.timing = null;
      slot.connecting = false;
      slot.connectFailed = false;
      let released = false;
      return {
        dispatcher: slot.client,
        takeConnectTiming() {
          const t = slot.timing;
          slot.timing = null;
          return t;
        },
        connectionUse: () => (slot.connectFailed ? 'failed' : slot.connecting ? 'new' : 'reused'),
        release() {
          if (released) return;
          released = true;
          if (fresh || closed || slot.client.destroyed || slot.client.closed) {
            all.delete(slot.client);
            void slot.client.close().catch(() => undefined);
            return;
          }
          let list = idle.get(origin);
          if (!list) idle.set(origin, (list = []));
          list.push(slot);
        },
      };
    },
    async close() {
      closed = true;
      idle.clear();
      await Promise.all([...all].map((c) => c.destroy().catch(() => undefined)));
      all.clear();
    },
  };
}

/**
 * apiUrl joins an API root and a path the way a user means it: https://host/v1?api-version=X
 * with /chat/completions is https://host/v1/chat/completions?api-version=X — the query stays at
 * the end, where the server reads it.
 */
export function apiUrl(baseUrl: string, path: string): URL {
  const u = new URL(baseUrl);
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  return u;
}
