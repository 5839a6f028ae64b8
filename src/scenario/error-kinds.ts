/**
 * ERROR_KINDS is the closed set of ways a request can fail. A request never throws; it ends with
 * one of these (or none). Reports group errors by kind, so the set stays small and meaningful.
 * It lives on the scenario's floor because scenarios name kinds too (a failover route's `on:`).
 */
export const ERROR_KINDS = [
  'connect_timeout', // TCP/TLS connect did not finish within timeouts.connect
  'connect_error', // refused, DNS failure, unreachable
  'ttft_timeout', // no first token within timeouts.firstToken
  'total_timeout', // the whole request exceeded timeouts.total
  'http_429', // rate limited
  'http_4xx', // other client errors (bad request, auth, not found)
  'http_5xx', // server errors
  'reset', // connection closed or reset mid-request
  'bad_stream', // the body was not valid SSE/JSON of the expected shape
  'stream_error', // the server sent an error object inside a 200 stream
  'empty_response', // completed without a single content token
  'aborted', // the run was interrupted while the request was in flight
  'circuit_open', // every hop of a failover route was unavailable (breakers open, Retry-After pending)
  'other', // anything else; errorMessage says what
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * FAILOVER_TRIGGERS are the kinds an attempt on a target can end with that a failover route may
 * move on from (`failover[].on`): every kind but the run's own abort, the route's own
 * circuit_open, and the unclassified `other`.
 */
export const FAILOVER_TRIGGERS = [
  'connect_timeout',
  'connect_error',
  'ttft_timeout',
  'total_timeout',
  'http_429',
  'http_4xx',
  'http_5xx',
  'reset',
  'bad_stream',
  'stream_error',
  'empty_response',
] as const satisfies readonly ErrorKind[];

/** DEFAULT_FAILOVER_ON is what moves a routed request to the next hop when a route names nothing: failures of the target, not of the request (a 400 or an empty answer would fail anywhere). */
export const DEFAULT_FAILOVER_ON: readonly (typeof FAILOVER_TRIGGERS)[number][] = ['connect_timeout', 'connect_error', 'ttft_timeout', 'total_timeout', 'http_429', 'http_5xx', 'reset', 'bad_stream', 'stream_error'];
