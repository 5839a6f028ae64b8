import { Agent, type Dispatcher } from 'undici';

/** TransportOptions tune the pooled keep-alive connections every target shares. */
export interface TransportOptions {
  /** TCP (+TLS) connect timeout in ms. */
  connectTimeoutMs: number;
  /** Max sockets per origin; the closed loop's concurrency is a natural choice. Unlimited when absent. */
  connectionsPerOrigin?: number;
}

/**
 * transport makes the undici Agent a run sends through: one keep-alive pool per origin, so
 * handshakes are paid once per connection rather than inside every request's TTFT.
 * undici's own header/body timeouts are switched off: the client enforces first-token and total
 * timeouts itself, so that each maps to its own error kind.
 */
export function transport(opts: TransportOptions): Dispatcher {
  return new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    connections: opts.connectionsPerOrigin ?? null,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });
}
