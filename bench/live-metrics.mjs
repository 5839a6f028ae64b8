// What `bakeoff run --metrics-port` costs the generator's event loop: per result folded into the
// live metrics (with and without a 256-token stream's gaps), per inter-token gap, and per scrape
// rendered (with and without Node's process metrics). Run by hand after `npm run build`:
//   node bench/live-metrics.mjs
import { Histogram, Registry } from 'prom-client';
import { newResult } from '../dist/metrics/request-result.js';
import { BulkHistogram } from '../dist/output/bulk-histogram.js';
import { LiveMetrics, TOKEN_BUCKETS_S } from '../dist/output/live-metrics.js';
import { validateScenario } from '../dist/scenario/validate.js';

const v = validateScenario({
  name: 'bench',
  targets: ['us-east', 'eu-west', 'apac'].map((name) => ({ name, region: `${name}-1`, model: 'gpt-4o-mini', mock: {} })),
  workload: { promptTokens: 200, maxTokens: 256 },
  load: { concurrency: 1, duration: '1s' },
});
if (!v.ok) throw new Error(JSON.stringify(v.problems));
const gaps = Array.from({ length: 255 }, (_, i) => 5 + (i % 40));

function time(label, n, unit, fn) {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm up
  const t = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const ns = ((performance.now() - t) * 1e6) / n;
  console.log(`${label.padEnd(52)} ${(ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`).padStart(10)} / ${unit}`);
}

const labels = { target: 'us-east', region: 'us-east-1', workload: 'default' };
const promHistogram = new Histogram({
  name: 'x_seconds',
  help: 'x',
  labelNames: ['target', 'region', 'workload'],
  buckets: [...TOKEN_BUCKETS_S],
  registers: [new Registry()],
});
time('prom-client Histogram.observe (labelled)', 1_000_000, 'value', (i) => promHistogram.observe(labels, 0.005 + (i % 40) / 1000));
const bulk = new BulkHistogram('y_seconds', 'y', ['target', 'region', 'workload'], TOKEN_BUCKETS_S).seriesOf([
  'us-east',
  'us-east-1',
  'default',
]);
const streams = 40_000;
const t0 = performance.now();
for (let i = 0; i < streams; i++) bulk.observeAllMs(gaps);
console.log(
  `${'BulkSeries.observeAllMs (a 256-token stream)'.padEnd(52)} ${(`${(((performance.now() - t0) * 1e6) / (streams * gaps.length)).toFixed(1)} ns`).padStart(10)} / gap`,
);

const live = new LiveMetrics({ scenario: v.scenario, runId: 'bench', tool: { name: 'llm-bakeoff', version: '0' } });
const r = {
  ...newResult({
    id: 1,
    phase: 'measure',
    target: 'us-east',
    region: 'us-east-1',
    provider: 'mock',
    model: 'gpt-4o-mini',
    workload: 'default',
    turn: 1,
    step: '',
    scheduledAtMs: 0,
    queuedMs: 0,
    inputTokens: 200,
    requestedOutputTokens: 256,
  }),
  sentAtMs: 0.2,
  headersAtMs: 40,
  firstTokenAtMs: 180,
  firstContentAtMs: 180,
  endAtMs: 3200,
  outputTokens: 256,
  status: 200,
};
r.itlMs = gaps;
time('LiveMetrics.add, 256-token stream (255 gaps)', 100_000, 'result', () => live.add(r));
r.itlMs = [];
time('LiveMetrics.add, no gaps', 200_000, 'result', () => live.add(r));
live.close();

for (const processMetrics of [false, true]) {
  const m = new LiveMetrics({ scenario: v.scenario, runId: 'bench', tool: { name: 'llm-bakeoff', version: '0' }, processMetrics });
  r.itlMs = gaps;
  m.add(r);
  for (let i = 0; i < 20; i++) await m.exposition();
  const cpu = process.cpuUsage();
  const n = 200;
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes = (await m.exposition()).length;
  const used = process.cpuUsage(cpu);
  console.log(
    `${`scrape, process metrics ${processMetrics ? 'on' : 'off'} (${bytes} bytes)`.padEnd(52)} ${(`${((used.user + used.system) / 1000 / n).toFixed(2)} ms`).padStart(10)} CPU / scrape`,
  );
  m.close();
}
