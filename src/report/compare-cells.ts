import type { ComparedGroup, ComparedMetric, Comparison } from '../summary/compare.js';
import { msCell, pct } from './text-table.js';

/**
 * Cells and sentences shared by the compare reports (console, markdown). "No data" is "—",
 * never 0; signs are always written, so a delta reads the same in a table and in a sentence.
 */

const LATENCY_LABELS: Record<string, string> = { ttft: 'TTFT', ttfc: 'TTFC', itl: 'ITL', tpot: 'TPOT', e2e: 'E2E' };

/** metricLabel is a metric's name in a table: `TTFT p50`, `err%`, `req/s`. */
export function metricLabel(id: string): string {
  if (id === 'errorRate') return 'err%';
  if (id === 'goodput') return 'SLO met %';
  if (id === 'requestsPerSec') return 'req/s';
  const [name = id, stat = ''] = id.split('.');
  return `${LATENCY_LABELS[name] ?? name} ${stat === 'p999' ? 'p99.9' : stat}`;
}

/** valueCell writes one side's figure in its unit. */
export function valueCell(m: ComparedMetric, v: number | null): string {
  if (v === null) return '—';
  if (m.unit === 'ms') return msCell(v);
  if (m.unit === 'share') return pct(v);
  return v.toFixed(1);
}

/** deltaCell is current − baseline in the unit (percentage points for the error rate). */
export function deltaCell(m: ComparedMetric): string {
  if (m.delta === null) return '—';
  if (m.unit === 'ms') return sign(m.delta, msCell(Math.abs(m.delta)));
  if (m.unit === 'share') return pp(m.delta);
  return sign(m.delta, Math.abs(m.delta).toFixed(1));
}

/** relCell is the relative change, signed: `+5.1%`. */
export function relCell(m: ComparedMetric): string {
  return m.relDelta === null ? '—' : signedPct(m.relDelta);
}

/** ciCell is the interval a verdict rests on: of the relative change, or in percentage points for the error rate. */
export function ciCell(m: ComparedMetric): string {
  if (m.relCi) return `[${signedPct(m.relCi[0])}, ${signedPct(m.relCi[1])}]`;
  if (!m.ci) return '—';
  if (m.unit === 'share') return `[${pp(m.ci[0])}, ${pp(m.ci[1])}]`;
  return `[${deltaCell({ ...m, delta: m.ci[0] })}, ${deltaCell({ ...m, delta: m.ci[1] })}]`;
}

/** verdictCell is the verdict in a table; two targets of one run are worse or better, not regressed. */
export function verdictCell(c: Comparison, m: ComparedMetric): string {
  const v =
    c.mode === 'targets' && m.verdict === 'regression'
      ? 'worse'
      : c.mode === 'targets' && m.verdict === 'improvement'
        ? 'better'
        : m.verdict;
  return m.gated ? `${v} *` : v;
}

/** confidenceLabel is the confidence level as people write it: `99%`. */
export function confidenceLabel(c: Comparison): string {
  return `${+(c.options.confidence * 100).toFixed(2)}%`;
}

/** methodLines name the method, the confidence level and the rule behind every verdict. */
export function methodLines(c: Comparison): string[] {
  const o = c.options;
  const conf = confidenceLabel(c);
  const goodput = c.groups.some((g) => g.metrics.some((m) => m.metric === 'goodput'));
  const shares = goodput ? 'err% and SLO met %' : 'err%';
  return [
    'method: latency percentiles by bootstrap of the percentile difference, ' +
      `resampled from each side's recorded HDR histogram (${o.resamples} resamples, seed ${o.seed}; itl resamples one value per stream); ` +
      `${shares} by Newcombe's score interval for two proportions; ` +
      `req/s by a Poisson rate-ratio interval — all ${conf} confidence intervals`,
    `verdict: a change is called only when its ${conf} interval excludes 0 and it is at least ${+(o.minEffect * 100).toFixed(2)}% ` +
      `(${shares}: ${+(o.minErrorDelta * 100).toFixed(3)} percentage points); ` +
      `lower is better, except req/s${goodput ? ' and SLO met %' : ''}`,
    `gate (--fail-on): ${o.gate.length ? o.gate.join(', ') : 'none'}${c.mode === 'runs' ? ', on target and route groups' : ''}`,
  ];
}

/** groupTitle names a compared group: its key (runs), or `current vs baseline` (targets). */
export function groupTitle(c: Comparison, g: ComparedGroup): string {
  return c.mode === 'runs'
    ? `${g.baselineKey}${g.scope && g.scope !== 'target' ? ` (${g.scope})` : ''}`
    : `${g.currentKey} vs ${g.baselineKey}`;
}

/**
 * sentence says one metric's verdict in words, e.g. "eu-west is 18.2% slower than us-east on TTFT
 * p50 [12.1%, 24.0%]": the relative change and its interval, both as magnitudes in the
 * sentence's direction; within noise, the signed change and interval instead.
 */
export function sentence(m: ComparedMetric, current: string, baseline: string): string {
  const label = metricLabel(m.metric);
  if (m.verdict === 'no data') {
    const sides = [m.baseline === null ? baseline : '', m.current === null ? current : ''].filter(Boolean);
    return `${label}: no data on ${sides.join(' or ')}`;
  }
  if (m.unit === 'share') {
    const values = `(${pct(m.current)} vs ${pct(m.baseline)})`;
    const what = m.metric === 'goodput' ? 'share of requests meeting the SLO' : 'error rate';
    if (m.verdict === 'within noise')
      return `${current}'s ${what} is within noise of ${baseline}'s: ${pp(m.delta!)} [${pp(m.ci![0])}, ${pp(m.ci![1])}] ${values}`;
    const [lo, hi] = magnitudes(m.ci!);
    const direction = m.delta! > 0 ? 'higher' : 'lower';
    const interval = `[${ppMagnitude(lo)}, ${ppMagnitude(hi)}]`;
    return `${current}'s ${what} is ${ppMagnitude(m.delta!)} ${direction} than ${baseline}'s ${interval} ${values}`;
  }
  const on = m.unit === 'per_s' ? 'on requests/s' : `on ${label}`;
  if (m.verdict === 'within noise' || m.relDelta === null || !m.relCi)
    return `${current} is within noise of ${baseline} ${on}: ${m.relDelta === null ? deltaCell(m) : relCell(m)} ${ciCell(m)}`;
  const word = m.unit === 'per_s' ? (m.relDelta > 0 ? 'higher' : 'lower') : m.relDelta > 0 ? 'slower' : 'faster';
  const [lo, hi] = magnitudes(m.relCi);
  return `${current} is ${percent(Math.abs(m.relDelta))} ${word} than ${baseline} ${on} [${percent(lo)}, ${percent(hi)}]`;
}

// An interval as magnitudes in its own direction: [-24%, -12%] is [12%, 24%] faster.
function magnitudes([lo, hi]: [number, number]): [number, number] {
  return lo >= 0 ? [lo, hi] : [Math.abs(hi), Math.abs(lo)];
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function signedPct(x: number): string {
  return sign(x, percent(Math.abs(x)));
}

// Percentage points of a share, signed: +0.30pp.
function pp(x: number): string {
  return sign(x, ppMagnitude(x));
}

function ppMagnitude(x: number): string {
  return `${(Math.abs(x) * 100).toFixed(2)}pp`;
}

// A magnitude with the sign of x; no sign when it prints as 0.
function sign(x: number, magnitude: string): string {
  return /[1-9]/.test(magnitude) ? `${x > 0 ? '+' : '-'}${magnitude}` : magnitude;
}
