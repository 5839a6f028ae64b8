import { describe, expect, it } from 'vitest';
import { sweepTable } from '../../src/report/console-sweep.js';
import type { RunSummary } from '../../src/summary/run-summary.js';

// The sweep table's failed checks say what each figure was in its threshold's unit, as the thresholds table does:
// "(was 1205ms)", "(was 21.9%)", never a bare "(was 1205.14)".

const summaryWith = (checks: { threshold: string; actual: number | null; pass: boolean }[]) =>
  ({
    sweep: {
      over: 'rate',
      slo: checks.map((c) => c.threshold),
      steps: [
        {
          label: 'rate=8',
          value: 8,
          targets: [
            { target: 'eu', pass: false, checks, requestsPerSec: 5.9, ttftP99Ms: 1205.14, errorRate: 0, goodput: 0.219, dropped: 0 },
          ],
        },
      ],
      knee: [{ target: 'eu', value: null, label: null }],
    },
  }) as unknown as RunSummary;

describe('sweepTable: failed checks', () => {
  it.each([
    ['ttft.p99 < 600ms', 1205.14, 'ttft.p99 < 600ms (was 1205ms)'],
    ['goodput >= 95%', 0.219, 'goodput >= 95% (was 21.9%)'],
    ['errorRate < 1%', 0.0312, 'errorRate < 1% (was 3.1%)'],
    ['requestsPerSec >= 10', 5.94, 'requestsPerSec >= 10 (was 5.9/s)'],
    ['ttft.p99 < 600ms', null, 'ttft.p99 < 600ms (was no data)'],
  ])('%s, actual %s: %s', (threshold, actual, cell) => {
    const out = sweepTable(summaryWith([{ threshold, actual, pass: false }]));
    expect(out).toContain(cell);
  });

  it('passed checks are not listed', () => {
    const out = sweepTable(summaryWith([{ threshold: 'ttft.p99 < 600ms', actual: 500, pass: true }]));
    expect(out).not.toContain('(was');
  });
});
