import { decodeHistogram } from '../metrics/histogram.js';
import { LATENCY_METRICS, type LatencyMetric } from '../scenario/metric-names.js';
import type { RunSummary } from '../summary/run-summary.js';

/** HGRM_METRICS are the latencies written as .hgrm files (the rest stay in summary.json). */
export const HGRM_METRICS: readonly LatencyMetric[] = LATENCY_METRICS;

/** HgrmFile is one percentile-distribution file: its path under the run directory, and its text. */
export interface HgrmFile {
  path: string;
  text: string;
}

/**
 * hgrmFiles renders every target and route group's latency histograms as HdrHistogram percentile
 * distributions (.hgrm: the text HdrHistogram's `outputPercentileDistribution` and wrk2 print, which
 * HdrHistogram's plotter and its many ports read), values in milliseconds: hgrm/<group>/<metric>.hgrm.
 * A metric with no samples gets no file (an empty distribution would plot as zeros).
 */
export function hgrmFiles(s: RunSummary): HgrmFile[] {
  const out: HgrmFile[] = [];
  for (const g of s.groups) {
    if ((g.scope ?? 'target') !== 'target' && g.scope !== 'route') continue;
    const dir = safeName(g.key);
    for (const m of HGRM_METRICS) {
      if (!g.metrics[m].count) continue;
      // Recorded in integer microseconds: a scaling ratio of 1000 prints milliseconds.
      out.push({ path: `hgrm/${dir}/${m}.hgrm`, text: decodeHistogram(g.histograms[m]).outputPercentileDistribution(5, 1000) });
    }
  }
  return out;
}

// A group key as a directory name: anything but letters, digits, ".", "_" and "-" becomes "_".
function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_');
}
