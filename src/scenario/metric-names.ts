/**
 * LATENCY_METRICS are the latency histograms kept per group, in report order. Each is defined
 * once here (the formulas live in metrics/request-result.ts and docs/metrics.md).
 *
 * Response-time metrics (ttft, e2e, headers) count from the *scheduled* time; service-time twins
 * (ttftService, e2eService) count from the actual send. In a closed loop the two are equal; in an
 * open loop the gap between them is time the request spent waiting on the client side.
 */
export const LATENCY_METRICS = [
  'ttft',
  'ttfc',
  'itl',
  'tpot',
  'e2e',
  'headers',
  'ttftService',
  'e2eService',
  'serverLatency',
  'networkShare',
  'dispatchLag',
  'queueWait',
  'dns',
  'tcp',
  'tls',
  'failover',
  'timeLost',
] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/**
 * ALL_REQUESTS_METRICS are the latencies that also get an all-requests percentile (`metrics.<m>.all`), in which a failed
 * request counts as slower than any success: each is one wait per request that a failed request would have made longer.
 * Not itl (one value per token gap), tpot (a rate per token, not a wait), the generator's and the connection's times
 * (dispatchLag, queueWait, dns, tcp, tls: a failure does not make them longer), the server's own figure and its
 * remainder (serverLatency, networkShare), nor the failover times (of requests a fallback served).
 */
export const ALL_REQUESTS_METRICS = [
  'ttft',
  'ttfc',
  'e2e',
  'headers',
  'ttftService',
  'e2eService',
] as const satisfies readonly LatencyMetric[];
export type AllRequestsMetric = (typeof ALL_REQUESTS_METRICS)[number];

/** METRIC_LABELS are the human names used in tables. */
export const METRIC_LABELS: Record<LatencyMetric, string> = {
  ttft: 'time to first token, reasoning or content (from schedule)',
  ttfc: 'time to first content token (from schedule)',
  itl: 'inter-token latency',
  tpot: 'time per output token',
  e2e: 'end-to-end latency (from schedule)',
  headers: 'time to response headers (from schedule)',
  ttftService: 'time to first token (from send)',
  e2eService: 'end-to-end latency (from send)',
  serverLatency: "the server's own time for the request, as it reports it (Bedrock metrics.latencyMs)",
  networkShare: "end-to-end from send less the server's own time: network, front end and client",
  dispatchLag: 'generator dispatch lag (schedule → send, less queue wait)',
  queueWait: 'wait for an in-flight slot (maxInFlight, overflow: queue)',
  dns: 'DNS lookup (new connections)',
  tcp: 'TCP connect (new connections)',
  tls: 'TLS handshake (new connections)',
  failover: 'failover time: user request start → first token from a fallback',
  timeLost: 'time lost on failed attempts before the serving one',
};

/** TIMESERIES_METRICS are the latencies kept per second, as small interval histograms. */
export const TIMESERIES_METRICS = ['ttft', 'e2e'] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];
