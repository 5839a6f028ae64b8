/**
 * GOODPUT_BOUNDS are the per-request bounds a `goodput:` block may name, in report order: time to
 * first token and to first content token, the largest inter-token gap, time per output token and
 * end-to-end latency. Each is measured as its metric is (metrics/request-result.ts; TTFT, TTFC and
 * E2E from the scheduled time). itlMax is written `itl-max` too, as the issue that asked for it did.
 */
export const GOODPUT_BOUNDS = ['ttft', 'ttfc', 'itlMax', 'tpot', 'e2e'] as const;
export type GoodputBound = (typeof GOODPUT_BOUNDS)[number];

/** DEFAULT_ATTAINMENT is the share of requests that must be good when a goodput block names none: 99%, the seed's p99. */
export const DEFAULT_ATTAINMENT = 0.99;

/** GoodputBlock is a validated `goodput:` block: its bounds in ms (only those named) and its attainment as a fraction. */
export type GoodputBlock = Partial<Record<GoodputBound, number>> & { attainment: number };

const PERCENT = /^\s*([0-9]*\.?[0-9]+)\s*%\s*$/;

/** parsePercent reads "99%" or "99.9 %" as a fraction (0.99); null when the text is not a percentage. */
export function parsePercent(text: string): number | null {
  const m = PERCENT.exec(text);
  return m ? fractionOfPercent(Number(m[1])) : null;
}

/** fractionOfPercent is n % as a fraction, without binary noise: 99.9 → 0.999 (not 0.9990000000000001, which 0.999 misses). */
export function fractionOfPercent(n: number): number {
  return Number((n / 100).toPrecision(12));
}

/** percentText writes a fraction as a percentage the way a scenario writes it: 0.99 → "99%", 0.999 → "99.9%". */
export function percentText(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}
