import { ALL_REQUESTS_METRICS, LATENCY_METRICS, type AllRequestsMetric, type LatencyMetric } from './metric-names.js';
import { fractionOfPercent } from './goodput-bounds.js';

/**
 * Threshold is one k6-style condition on a group's numbers, e.g. `ttft.p99 < 800ms`,
 * `errorRate < 1%`, `requestsPerSec >= 20`: the grammar a scenario's `slo:` and `sweep.slo:`
 * are written in. Parsing lives here, with the scenario, so validation can reject a bad condition
 * before anything runs; judging a group against it lives in analysis/thresholds.ts.
 */
export interface Threshold {
  /** The text as written, for reports. */
  source: string;
  subject:
    | { kind: 'latency'; metric: LatencyMetric; stat: StatName }
    /** A percentile over all requests, a failure slower than any success (`ttft.all.p99`): null, which fails, among the failures. */
    | { kind: 'allLatency'; metric: AllRequestsMetric; stat: AllRequestsStat }
    | { kind: 'errorRate' }
    | { kind: 'goodput' }
    | { kind: 'goodputRate' }
    | { kind: 'requestsPerSec' }
    | { kind: 'outputTokensPerSec' }
    | { kind: 'cost'; field: CostField };
  op: '<' | '<=' | '>' | '>=';
  /** Milliseconds for latencies, a fraction for errorRate and goodput, per second for throughputs, US dollars for costs. */
  value: number;
}

/** COST_FIELDS are the costs a threshold may bound (US dollars at list prices; see cost/run-cost.ts). */
export const COST_FIELDS = ['perRequest', 'per1kRequests', 'per1MOutputTokens', 'total'] as const;
export type CostField = (typeof COST_FIELDS)[number];

/** STATS are the statistics a latency threshold may name (p999 is written p99.9 too). */
export const STATS = ['mean', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'p999'] as const;
export type StatName = (typeof STATS)[number];

/** ALL_REQUESTS_STATS are the percentiles an all-requests threshold may name (`ttft.all.p99`; p999 is written p99.9 too). */
export const ALL_REQUESTS_STATS = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;
export type AllRequestsStat = (typeof ALL_REQUESTS_STATS)[number];

/** DEFAULT_SLO applies where a scenario names no SLO (decision table, capacity sweep): every target that answers reliably qualifies. */
export const DEFAULT_SLO: readonly string[] = ['errorRate < 1%'];

const EXPR = /^\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z0-9._]+))?\s*(<=|>=|<|>)\s*(\$)?\s*([0-9]*\.?[0-9]+)\s*(ms|s|%|\/s)?\s*$/;

// Names are written camelCase (errorRate, dispatchLag.p99) or snake_case (error_rate,
// dispatch_lag.p99, cost.per_request), as k6 and Prometheus users write them.
const camel = (name: string) => name.replace(/_([a-z0-9])/gi, (_, c: string) => c.toUpperCase());

/** parseThreshold reads one expression, or says precisely what is wrong with it. */
export function parseThreshold(text: string): Threshold | { error: string } {
  const m = EXPR.exec(text);
  if (!m) return { error: `${JSON.stringify(text)} is not a threshold; write e.g. "ttft.p99 < 800ms" or "errorRate < 1%"` };
  const [, rawName, rawStat, op, dollar, num, unit] = m as unknown as [
    string,
    string,
    string | undefined,
    Threshold['op'],
    string | undefined,
    string,
    string | undefined,
  ];
  const name = camel(rawName);
  const statRaw = rawStat === undefined ? undefined : camel(rawStat).replace(/^per1mOutputTokens$/i, 'per1MOutputTokens');
  const n = Number(num);
  if (name === 'cost') {
    const field = statRaw as CostField | undefined;
    if (!field || !(COST_FIELDS as readonly string[]).includes(field))
      return { error: `cost needs one of ${COST_FIELDS.map((f) => `cost.${f}`).join(', ')}; write e.g. "cost.perRequest < 0.001"` };
    if (unit) return { error: `cost.${field} is in US dollars; write e.g. "cost.${field} < 0.001" (or "< $0.001")` };
    return { source: text.trim(), subject: { kind: 'cost', field }, op, value: n };
  }
  if (dollar) return { error: `${name} is not a cost; "$" goes only with cost.${COST_FIELDS[0]} and the like` };
  if (name === 'errorRate') {
    if (statRaw) return { error: `errorRate takes no statistic; write e.g. "errorRate < 1%"` };
    if (unit && unit !== '%') return { error: `errorRate is a share: write it in %, e.g. "errorRate < 1%"` };
    // A bare number is refused: `errorRate < 1` reads as 1% and meant 100% (a check that never fails), and 0.01 may
    // mean 1% or 0.01%.
    if (!unit)
      return {
        error:
          n <= 1
            ? `errorRate ${op} ${num} is ambiguous (a fraction, or a percentage?): write it in %: ` +
              `"errorRate ${op} ${pct(n * 100)}%" for the fraction ${num}, "errorRate ${op} ${num}%" for ${num} percent`
            : `errorRate needs %: write "errorRate ${op} ${num}%"`,
      };
    return { source: text.trim(), subject: { kind: 'errorRate' }, op, value: n / 100 };
  }
  if (name === 'goodput' || name === 'goodputRate') return goodputThreshold(text, name, statRaw, op, n, unit);
  if (name === 'requestsPerSec' || name === 'outputTokensPerSec') {
    if (statRaw || unit) return { error: `${name} is a plain number per second; write e.g. "${name} >= 10"` };
    return { source: text.trim(), subject: { kind: name }, op, value: n };
  }
  if (!(LATENCY_METRICS as readonly string[]).includes(name))
    return {
      error:
        `unknown metric ${JSON.stringify(rawName)}; ` +
        `use one of ${LATENCY_METRICS.join(', ')}, errorRate, goodput, goodputRate, requestsPerSec, outputTokensPerSec, cost`,
    };
  if (statRaw?.startsWith('all.')) return parseAllRequests(text, name, statRaw.slice(4), op, n, unit);
  const stat = (statRaw === 'p99.9' ? 'p999' : statRaw) as StatName | undefined;
  if (!stat || !(STATS as readonly string[]).includes(stat))
    return { error: `${name} needs a statistic: ${name}.p99 (one of ${STATS.join(', ')})` };
  if (unit === '%') return { error: `${name}.${stat} is a latency; write it in ms or s, e.g. "${name}.${stat} < 800ms"` };
  if (!unit) return { error: `${name}.${stat} needs a unit; write e.g. "${name}.${stat} < ${n}ms"` };
  return { source: text.trim(), subject: { kind: 'latency', metric: name as LatencyMetric, stat }, op, value: unit === 's' ? n * 1000 : n };
}

// goodput is the share of good requests (written with %), goodputRate good requests per second (docs/metrics.md#goodput).
function goodputThreshold(
  text: string,
  name: 'goodput' | 'goodputRate',
  statRaw: string | undefined,
  op: Threshold['op'],
  n: number,
  unit: string | undefined,
): Threshold | { error: string } {
  if (name === 'goodput') {
    if (statRaw || unit !== '%')
      return { error: `goodput is the share of requests that met the goodput: bounds; write e.g. "goodput >= 99%"` };
    return { source: text.trim(), subject: { kind: 'goodput' }, op, value: fractionOfPercent(n) };
  }
  if (statRaw || (unit && unit !== '/s')) return { error: `goodputRate is good requests per second; write e.g. "goodput_rate > 10/s"` };
  return { source: text.trim(), subject: { kind: 'goodputRate' }, op, value: n };
}

// `<metric>.all.<percentile>`: a latency percentile over all requests (metrics/all-requests.ts).
function parseAllRequests(
  text: string,
  name: string,
  statRaw: string,
  op: Threshold['op'],
  n: number,
  unit: string | undefined,
): Threshold | { error: string } {
  if (!(ALL_REQUESTS_METRICS as readonly string[]).includes(name))
    return { error: `${name} has no all-requests percentile; only ${ALL_REQUESTS_METRICS.join(', ')} do (e.g. "ttft.all.p99 < 800ms")` };
  const stat = statRaw === 'p99.9' ? 'p999' : statRaw;
  if (!(ALL_REQUESTS_STATS as readonly string[]).includes(stat))
    return { error: `${name}.all needs a percentile: ${name}.all.p99 (one of ${ALL_REQUESTS_STATS.join(', ')})` };
  if (!unit || unit === '%') return { error: `${name}.all.${stat} is a latency; write it in ms or s, e.g. "${name}.all.${stat} < ${n}ms"` };
  const subject = { kind: 'allLatency' as const, metric: name as AllRequestsMetric, stat: stat as AllRequestsStat };
  return { source: text.trim(), subject, op, value: unit === 's' ? n * 1000 : n };
}

/** parseThresholds parses conditions a validated scenario holds (validation has already rejected bad ones). */
export function parseThresholds(texts: readonly string[]): Threshold[] {
  return texts.map((t) => parseThreshold(t)).filter((t): t is Threshold => !('error' in t));
}

// A fraction as a percentage, without float noise (0.001 × 100 is 0.1, not 0.10000000000000002).
function pct(n: number): string {
  return String(Number(n.toPrecision(12)));
}
