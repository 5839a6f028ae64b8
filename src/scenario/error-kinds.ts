/**
 * ERROR_KINDS is the closed set of ways a request can fail. A request never throws; it ends with
 * one of these (or none). Reports group errors by kind, so the set stays small and meaningful.
 * It lives on the scenario's floor because scenarios name kinds too (a failover route's `on:`).
 */
export const ERROR_KINDS = [
  'connect_timeout', // TCP/TLS connect did not finish within timeouts.connect
  'connect_error', // refused, DNS failure, unreachable, a proxy that refused the tunnel
  'tls_error', // the TLS handshake failed: certificate untrusted, expired or for another host, or the port does not speak TLS
  'ttft_timeout', // no first token within timeouts.firstToken
  'total_timeout', // the whole request exceeded timeouts.total
  'http_429', // rate limited
  'http_4xx', // other client errors (bad request, auth, not found)
  'http_5xx', // server errors
  'redirect', // a 3xx: not followed (a redirect could carry the key to another origin); the message names the Location's host
  'reset', // the connection was reset or closed before the response began
  'stream_cut', // the response began (2xx) and stopped before its end: reset mid-stream, or closed without a finish
  'bad_stream', // the body was not valid SSE/JSON of the expected shape (an HTML page, a gzip body, garbage)
  'stream_error', // the server sent an error object with status 2xx, in the stream or as the body
  'empty_response', // completed without a single content token
  'circuit_open', // every hop of a failover route was unavailable (breakers open, Retry-After pending)
  'local_resource', // the generator ran out of a local resource: file descriptors (EMFILE), buffers, ports
  'client_overload', // not sent: the generator dispatched it later than the first-token timeout after its schedule
  'aborted', // the run was interrupted while the request was in flight
  'other', // anything else; errorMessage says what
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * ErrorOwner is who a failure belongs to: the target (its status, its stream, its timeouts), the
 * network between (DNS, connect), or the generator itself (its own resources, its own lateness,
 * the user's abort). Generator-owned failures never count against a target: they are counted
 * apart, and enough of them make the run invalid.
 */
export type ErrorOwner = 'target' | 'network' | 'generator';

/**
 * ERROR_OWNERS says who owns each kind. An unclassified failure (`other`) is the generator's: it is ours to explain,
 * not the target's to answer for.
 */
export const ERROR_OWNERS: Readonly<Record<ErrorKind, ErrorOwner>> = {
  connect_timeout: 'network',
  connect_error: 'network',
  tls_error: 'network',
  ttft_timeout: 'target',
  total_timeout: 'target',
  http_429: 'target',
  http_4xx: 'target',
  http_5xx: 'target',
  redirect: 'target',
  reset: 'target',
  stream_cut: 'target',
  bad_stream: 'target',
  stream_error: 'target',
  empty_response: 'target',
  circuit_open: 'target',
  local_resource: 'generator',
  client_overload: 'generator',
  aborted: 'generator',
  other: 'generator',
};

/**
 * FAILOVER_TRIGGERS are the kinds an attempt on a target can end with that a failover route may
 * move on from (`failover[].on`): the target's and the network's, but for the route's own
 * circuit_open (the generator's own failures are not the target's to fail over from).
 */
export const FAILOVER_TRIGGERS = [
  'connect_timeout',
  'connect_error',
  'tls_error',
  'ttft_timeout',
  'total_timeout',
  'http_429',
  'http_4xx',
  'http_5xx',
  'redirect',
  'reset',
  'stream_cut',
  'bad_stream',
  'stream_error',
  'empty_response',
] as const satisfies readonly ErrorKind[];

/**
 * DEFAULT_FAILOVER_ON is what moves a routed request to the next hop when a route names nothing: failures of the
 * target, not of the request (a 400 or an empty answer would fail anywhere).
 */
export const DEFAULT_FAILOVER_ON: readonly (typeof FAILOVER_TRIGGERS)[number][] = [
  'connect_timeout',
  'connect_error',
  'tls_error',
  'ttft_timeout',
  'total_timeout',
  'http_429',
  'http_5xx',
  'reset',
  'stream_cut',
  'bad_stream',
  'stream_error',
];

/**
 * BACKOFF_KINDS are failures that say a target is down or overloaded — a server error (as a
 * status, or as an error event in a 200 stream: "overloaded" often comes that way), a rate limit,
 * a refused or reset connection, a failed TLS handshake (it fails the same until someone fixes the
 * trust, and hammering it only floods the handshake), a stream cut or garbled (a proxy's challenge page is garbage
 * to us, and hammering it is how a client gets blocked), a route with no hop left, and a refusal — any other 4xx
 * or a 3xx, which fail the same however often sent, so sending them at full speed only bills or angers a paid API:
 * after one a closed-loop user backs off, and after several in a row an open loop stops sending to the target for
 * a while. Timeouts pace themselves.
 */
export const BACKOFF_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'http_429',
  'http_4xx',
  'redirect',
  'http_5xx',
  'connect_error',
  'connect_timeout',
  'tls_error',
  'reset',
  'stream_cut',
  'stream_error',
  'bad_stream',
  'circuit_open',
]);

/**
 * REFUSAL_STATUSES are the answers that will not change on retry: a malformed or too long request (400), a key the
 * provider rejects (401) or that may not do this (403: permissions, a region block, model access), a model or
 * deployment that is not there (404). With any 3xx (kind `redirect`, never followed) they are refusals: a target that
 * answers nothing else for `load.stopAfterRefusals` requests in a row is stopped for the rest of the run.
 */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404]);

/** isRefusal says whether a failure is a refusal (see REFUSAL_STATUSES): a redirect, or a 4xx of that set. */
export function isRefusal(kind: ErrorKind | null, status: number): boolean {
  return kind === 'redirect' || (kind === 'http_4xx' && REFUSAL_STATUSES.has(status));
}
