import { LATENCY_METRICS, type LatencyMetric } from '../scenario/metric-names.js';

/** COMPARE_PERCENTILES are the statistics `compare` judges a latency by (p999 is written p99.9 too). */
export const COMPARE_PERCENTILES = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;
export type ComparePercentile = (typeof COMPARE_PERCENTILES)[number];

/** PERCENTILE_OF is each statistic as a percentile (0–100). */
export const PERCENTILE_OF: Record<ComparePercentile, number> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };

/**
 * CompareMetric is one figure `compare` judges: a latency percentile (`ttft.p50`), the error rate,
 * the goodput ratio (SLO met, groups with a goodput block), or the request rate. Names are the threshold grammar's (scenario/threshold.ts).
 */
export type CompareMetric =
  | { kind: 'latency'; metric: LatencyMetric; stat: ComparePercentile }
  | { kind: 'errorRate' }
  | { kind: 'goodput' }
  | { kind: 'requestsPerSec' };

/** DEFAULT_COMPARE_LATENCIES are the latencies compared unless --metrics says otherwise. */
export const DEFAULT_COMPARE_LATENCIES: readonly LatencyMetric[] = ['ttft', 'itl', 'e2e', 'tpot', 'headers'];
/** DEFAULT_COMPARE_PERCENTILES are the percentiles shown for each latency. */
export const DEFAULT_COMPARE_PERCENTILES: readonly ComparePercentile[] = ['p50', 'p90', 'p99'];
/** DEFAULT_GATE are the metrics whose regression fails `compare` unless --fail-on says otherwise. */
export const DEFAULT_GATE: readonly string[] = ['ttft.p50', 'ttft.p99', 'e2e.p50', 'e2e.p99', 'itl.p50', 'errorRate'];

/** metricId names a metric as --fail-on and the CSV write it: `ttft.p50`, `errorRate`, `requestsPerSec`. */
export function metricId(m: CompareMetric): string {
  return m.kind === 'latency' ? `${m.metric}.${m.stat}` : m.kind;
}

/** parseCompareMetric reads one metric name, or says what to write instead. */
export function parseCompareMetric(text: string): CompareMetric | { error: string } {
  const t = text.trim();
  if (t === 'errorRate') return { kind: 'errorRate' };
  if (t === 'goodput') return { kind: 'goodput' };
  if (t === 'requestsPerSec' || t === 'throughput') return { kind: 'requestsPerSec' };
  const dot = t.indexOf('.');
  const name = dot < 0 ? t : t.slice(0, dot);
  const statRaw = dot < 0 ? '' : t.slice(dot + 1);
  if (!(LATENCY_METRICS as readonly string[]).includes(name))
    return {
      error:
        `unknown metric ${JSON.stringify(t)}; write a latency percentile ` +
        `(${LATENCY_METRICS.slice(0, 6).join(', ')}, … with .p50, .p90, .p95, .p99 or .p99.9, e.g. ` +
        `ttft.p99), errorRate, goodput or requestsPerSec`,
    };
  const stat = statRaw === 'p99.9' ? 'p999' : statRaw;
  if (!(COMPARE_PERCENTILES as readonly string[]).includes(stat))
    return {
      error: `${JSON.stringify(t)}: ${name} needs a percentile: ${name}.p50, ${name}.p90, ${name}.p95, ${name}.p99 or ${name}.p99.9`,
    };
  return { kind: 'latency', metric: name as LatencyMetric, stat: stat as ComparePercentile };
}

/** parseMetricList reads a comma-separated list of metric names; every bad name is reported. */
export function parseMetricList(text: string): { metrics: CompareMetric[] } | { errors: string[] } {
  const metrics: CompareMetric[] = [];
  const errors: string[] = [];
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const m = parseCompareMetric(part);
    if ('error' in m) errors.push(m.error);
    else if (!metrics.some((x) => metricId(x) === metricId(m))) metrics.push(m);
  }
  return errors.length ? { errors } : { metrics };
}
