import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import * as nodeTls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { Client, buildConnector, type Dispatcher } from 'undici';
import { proxyFor, type ProxyEnv } from './proxy-route.js';

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

/**
 * ConnectionProfile is how a target's connections are made, beyond its origin: through which proxy,
 * trusting which roots, showing which client certificate, speaking which HTTP version.
 */
export interface ConnectionProfile {
  /** A proxy URL; false: never a proxy; absent: HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide. */
  proxy?: string | false;
  /** PEM files: extra roots to trust (ca, added to Node's own), a client certificate and its key (mTLS). */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Offer HTTP/2 in the TLS handshake (ALPN); the server may still pick HTTP/1.1. */
  http2?: boolean;
}

/** Transport hands out connections per origin (and connection profile). */
export interface Transport {
  lease(origin: string, profile?: ConnectionProfile): Lease;
  /**
   * prepare reads a profile's TLS files and builds its secure context now, so that work (tens of ms with Node's roots)
   * falls before the run rather than inside its first request's time. lease does it for a profile not prepared.
   */
  prepare(profile: ConnectionProfile): void;
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
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read from (the run's environment); absent: no proxy from the environment. */
  env?: ProxyEnv;
}

interface Slot {
  client: Client;
  /** The slot's own client to its proxy (CONNECT tunnels), closed with it. */
  proxyClient: Client | null;
  timing: ConnectTiming | null;
  /** A connect began during the current lease, and whether it failed. */
  connecting: boolean;
  connectFailed: boolean;
}

type Connect = (o: buildConnector.Options, cb: buildConnector.Callback) => void;
type RawConnector = (o: buildConnector.Options, cb: buildConnector.Callback) => Socket;

// What a connect saw: when its socket's name lookup and TCP connect finished.
interface Marks {
  lookup: number | null;
  connect: number | null;
  /** Through a proxy: when the CONNECT tunnel opened. */
  tunnel?: number | null;
}

// timedConnector opens a socket with undici's connector and marks its lookup and TCP connect.
function timedConnector(base: RawConnector, marks: Marks): Connect {
  return (o, cb) => {
    marks.lookup = null;
    marks.connect = null;
    const socket = base(o, cb);
    socket.once('lookup', () => (marks.lookup = performance.now()));
    socket.once('connect', () => (marks.connect = performance.now()));
  };
}

// The roots Node trusts by default: its bundle and NODE_EXTRA_CA_CERTS (getCACertificates, Node 22.15+), else the bundle.
function defaultRoots(): readonly string[] {
  const get = (nodeTls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  return get ? get('default') : nodeTls.rootCertificates;
}

// The TLS options of a profile. Its files make one secure context, built once per profile and
// transport: a context with a custom root list is costly to build (hundreds of roots parsed), and
// built per connection it would land inside the handshake time.
function tlsOptionsOf(profile: ConnectionProfile | undefined, read: (file: string) => Buffer): Record<string, unknown> {
  const t = profile?.tls;
  const files = t?.ca || t?.cert || t?.key;
  const secureContext = files
    ? nodeTls.createSecureContext({
        // Node's `ca` replaces the roots it trusts: the file's are added to the default ones (with NODE_EXTRA_CA_CERTS).
        ...(t?.ca ? { ca: [...defaultRoots(), read(t.ca).toString('utf8')] } : {}),
        ...(t?.cert ? { cert: read(t.cert) } : {}),
        ...(t?.key ? { key: read(t.key) } : {}),
      })
    : undefined;
  return {
    ...(secureContext ? { secureContext } : {}),
    // undici 8 offers h2 unless told not to: HTTP/1.1 stays the default (as the providers' SDKs speak),
    // and http2: true puts h2 first, so a server that can picks it.
    ...(profile?.http2 ? { allowH2: true, preferH2: true } : { allowH2: false }),
  };
}

/**
 * transport makes the connection pool a run sends through. It is a pool of single-connection
 * undici Clients rather than undici's own Pool, because a Pool does not say which request opened
 * which connection. undici's header/body timeouts are off: the client enforces first-token and
 * total timeouts itself, each with its own error kind. A proxied connection is a CONNECT tunnel
 * opened by the slot's own client to the proxy, so it stays one connection per lease and its
 * timing stays attributable (undici's ProxyAgent would hide when the tunnel opened).
 */
export function transport(opts: TransportOptions): Transport {
  const fresh = opts.connection === 'fresh';
  const idle = new Map<string, Slot[]>();
  const all = new Set<Client>();
  // Per profile (one object per endpoint): its pool key and its TLS options, made once.
  const made = new WeakMap<ConnectionProfile, { key: string; tls: Record<string, unknown> }>();
  const profiled = (p: ConnectionProfile) => {
    let m = made.get(p);
    if (!m) made.set(p, (m = { key: JSON.stringify(p), tls: tlsOptionsOf(p, (file) => readFileSync(file)) }));
    return m;
  };
  const direct = tlsOptionsOf(undefined, () => Buffer.alloc(0));
  let closed = false;

  const open = (origin: string, profile: ConnectionProfile | undefined): Slot => {
    const slot = openSlot(origin, profile, opts, profile ? profiled(profile).tls : direct);
    all.add(slot.client);
    if (slot.proxyClient) all.add(slot.proxyClient);
    return slot;
  };

  const drop = (slot: Slot) => {
    for (const c of slot.proxyClient ? [slot.client, slot.proxyClient] : [slot.client]) {
      all.delete(c);
      void c.close().catch(() => undefined);
    }
  };

  return {
    prepare(profile) {
      profiled(profile);
    },
    lease(origin, profile) {
      if (closed) throw new Error('transport is closed');
      const key = profile ? `${origin} ${profiled(profile).key}` : origin;
      const slot = (!fresh && idle.get(key)?.pop()) || open(origin, profile);
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
          if (fresh || closed || slot.client.destroyed || slot.client.closed) return drop(slot);
          let list = idle.get(key);
          if (!list) idle.set(key, (list = []));
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

// openSlot makes one single-connection client for an origin: direct, or through the profile's
// proxy (a CONNECT tunnel on the slot's own client to it), timing the connect it makes.
function openSlot(origin: string, profile: ConnectionProfile | undefined, opts: TransportOptions, tls: Record<string, unknown>): Slot {
  const slot: Slot = { client: undefined as unknown as Client, proxyClient: null, timing: null, connecting: false, connectFailed: false };
  const target = buildConnector({ timeout: opts.connectTimeoutMs, ...tls }) as unknown as RawConnector;
  const proxy = proxyFor(origin, profile?.proxy, opts.env ?? {});
  const marks: Marks = { lookup: null, connect: null };
  let connect: Connect;
  if (proxy) {
    const toProxy = buildConnector({ timeout: opts.connectTimeoutMs, allowH2: false }) as unknown as RawConnector;
    slot.proxyClient = new Client(proxy.origin, { connect: timedConnector(toProxy, marks), pipelining: 1 });
    connect = tunnel(slot.proxyClient, proxy, target, marks, opts.connectTimeoutMs);
  } else connect = timedConnector(target, marks);
  slot.client = new Client(origin, {
    connect: (o, cb) => {
      const t0 = performance.now();
      slot.connecting = true;
      connect(o, (err, sock) => {
        if (err) slot.connectFailed = true;
        else slot.timing = timingOf(t0, marks, o.protocol === 'https:', proxy !== null);
        (cb as (...a: unknown[]) => void)(err, sock);
      });
    },
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    allowH2: profile?.http2 === true,
  });
  return slot;
}

// timingOf turns a connect's marks into its timing. Through a proxy, DNS is the proxy's name, TCP
// runs until the tunnel is open (TCP to the proxy plus the CONNECT exchange, in which the proxy
// connects to the target), and TLS is the handshake with the target itself, end to end through it.
function timingOf(t0: number, marks: Marks, https: boolean, proxied: boolean): ConnectTiming {
  const tEnd = performance.now();
  const tcpStart = marks.lookup ?? t0;
  const tcpEnd = proxied ? (marks.tunnel ?? tEnd) : (marks.connect ?? tEnd);
  return { dnsMs: marks.lookup === null ? null : marks.lookup - t0, tcpMs: tcpEnd - tcpStart, tlsMs: https ? tEnd - tcpEnd : null };
}

// tunnel connects through an HTTP proxy: CONNECT host:port on the slot's proxy client, then TLS
// with the target inside the tunnel for https (the target's certificate is checked end to end).
function tunnel(proxyClient: Client, proxy: URL, target: RawConnector, marks: Marks, timeoutMs: number): Connect {
  const auth = proxy.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
    : null;
  return (o, cb) => {
    marks.tunnel = null;
    const hostPort = `${o.hostname}:${o.port || (o.protocol === 'https:' ? 443 : 80)}`;
    const headers: Record<string, string> = { host: hostPort, ...(auth ? { 'proxy-authorization': auth } : {}) };
    // The connect timeout bounds the tunnel too: a proxy that accepts TCP and never answers CONNECT.
    const signal = AbortSignal.timeout(timeoutMs);
    proxyClient.connect({ path: hostPort, headers, signal }).then(
      ({ socket, statusCode }) => {
        if (statusCode !== 200) {
          socket.destroy();
          return cb(proxyError(`proxy ${proxy.host} answered ${statusCode} to CONNECT ${hostPort}`), null);
        }
        marks.tunnel = performance.now();
        if (o.protocol !== 'https:') return cb(null, socket as Socket);
        target({ ...o, httpSocket: socket } as buildConnector.Options, cb);
      },
      (err: unknown) =>
        cb(
          signal.aborted ? tunnelTimeout(`proxy ${proxy.host} did not open a tunnel to ${hostPort} within ${timeoutMs}ms`) : (err as Error),
          null,
        ),
    );
  };
}

// A proxy that refuses the tunnel (407, 403, 502) is the network's failure, classed like a refused connect.
function proxyError(message: string): Error {
  return Object.assign(new Error(message), { code: 'EPROXYREFUSED' });
}

// A tunnel that did not open in time is a connect timeout, as a TCP connect that did not finish is.
function tunnelTimeout(message: string): Error {
  return Object.assign(new Error(message), { code: 'UND_ERR_CONNECT_TIMEOUT' });
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
