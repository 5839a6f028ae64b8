// Power and false-positive rate of `bakeoff compare`. Run by hand after `npm run build`, never in CI:
//   node bench/compare-power.mjs                 # 20 runs of each case (about 15 minutes on 2 cores)
//   node bench/compare-power.mjs --runs 5 --cases fixed
// Each run is one `bakeoff run` of two targets on the embedded mock, sharing the same seeded
// prompts (paired traffic), closed loop, 16 concurrent streams per target, 1,000 measured requests
// per target (2,000 per run), 8 output tokens 2 ms apart. Then `bakeoff compare <run> --targets
// a,b --format json` judges target b against target a, and this script tallies:
//   - the verdict on TTFT p50 (what the power claim is about), at 99 % and at 95 % confidence;
//   - whether the default gate (ttft.p50, ttft.p99, e2e.p50, e2e.p99, itl.p50, errorRate) would
//     have failed the job (exit 6): in the identical cases every failure is a false positive.
// Cases (mock TTFT of a → b):
//   fixed:  100 ms → 105 ms, and 100 → 100 (the mock's fixed latency: only the machine's jitter)
//   jitter: lognormal median 100 ms → 105 ms, σ 0.25, and 100 → 100 (a provider-like spread)
// Every byte goes to loopback, to the mocks `bakeoff run` starts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('compare-power: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const RUNS = Number(args.runs ?? 20);
const REQUESTS = Number(args.requests ?? 1000);
const CONCURRENCY = Number(args.concurrency ?? 16);
const families = (args.cases ?? 'fixed,jitter').split(',');

const ttft = (family, ms) => (family === 'fixed' ? ms : { dist: 'lognormal', median: ms, sigma: 0.25 });
const CASES = families.flatMap((f) => [
  { name: `${f}: 100 → 105 ms (+5%)`, family: f, a: 100, b: 105, shifted: true },
  { name: `${f}: 100 → 100 ms (identical)`, family: f, a: 100, b: 100, shifted: false },
]);

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-power-'));
const tally = [];
try {
  for (const c of CASES) {
    const t = {
      case: c.name,
      shifted: c.shifted,
      runs: 0,
      reruns: 0,
      saturated: 0,
      p50: { 0.99: count(), 0.95: count() },
      gate: { 0.99: 0, 0.95: 0 },
      gateMetrics: {},
      rel: [],
      seconds: 0,
    };
    for (let i = 1; i <= RUNS; i++) {
      const scenario = join(dir, 'scenario.json');
      writeFileSync(
        scenario,
        JSON.stringify({
          name: 'compare-power',
          seed: i,
          targets: [
            {
              name: 'a',
              region: 'local',
              provider: 'mock',
              model: 'mock-model',
              mock: { rttMs: 0, ttftMs: ttft(c.family, c.a), itlMs: 2 },
            },
            {
              name: 'b',
              region: 'local',
              provider: 'mock',
              model: 'mock-model',
              mock: { rttMs: 0, ttftMs: ttft(c.family, c.b), itlMs: 2 },
            },
          ],
          workload: { name: 'chat', promptTokens: 16, maxTokens: 8 },
          load: { concurrency: CONCURRENCY, requests: REQUESTS, warmup: CONCURRENCY },
          timeouts: { connect: '5s', firstToken: '10s', total: '30s' },
        }),
      );
      const out = join(dir, `run-${i}`);
      const started = Date.now();
      // A run the machine could not carry (exit 5: too many of the generator's own failures) is
      // run again, and counted: its numbers are the generator's, not the mocks'.
      for (let attempt = 1; ; attempt++) {
        const res = await run(process.execPath, [cli, 'run', scenario, '--out', out, '-q', '--force'], {
          cwd: root,
          maxBuffer: 1 << 24,
        }).catch((e) => e);
        if (!res.code) break;
        t.reruns++;
        if (attempt === 3) throw new Error(`run ${i} of ${c.name} failed 3 times (exit ${res.code}): ${res.stderr}`);
      }
      t.seconds += (Date.now() - started) / 1000;
      t.runs++;
      if (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).generator.saturated) t.saturated++;
      for (const confidence of [0.99, 0.95]) {
        // compare exits 6 when the gate fails: execFile rejects, with stdout attached.
        const res = await run(
          process.execPath,
          [cli, 'compare', out, '--targets', 'a,b', '--format', 'json', '--confidence', String(confidence)],
          { cwd: root, maxBuffer: 1 << 24 },
        ).catch((e) => e);
        const cmp = JSON.parse(res.stdout);
        const top = cmp.groups.find((g) => g.baselineKey === 'a');
        const p50 = top.metrics.find((m) => m.metric === 'ttft.p50');
        t.p50[confidence][p50.verdict]++;
        if (cmp.regressions.length) t.gate[confidence]++;
        if (confidence === 0.99) {
          t.rel.push(`${(p50.relDelta * 100).toFixed(1)}% [${(p50.relCi[0] * 100).toFixed(1)}, ${(p50.relCi[1] * 100).toFixed(1)}]`);
          for (const r of cmp.regressions) t.gateMetrics[r.metric] = (t.gateMetrics[r.metric] ?? 0) + 1;
        }
      }
      rmSync(out, { recursive: true, force: true });
      process.stderr.write(`${c.name}: run ${i}/${RUNS}: ttft.p50 ${t.rel.at(-1)}, 99% verdict so far ${JSON.stringify(t.p50[0.99])}\n`);
    }
    tally.push(t);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${RUNS} runs per case, ${REQUESTS} requests per target (${2 * REQUESTS} per run), ${CONCURRENCY} concurrent per target\n`);
console.log(
  '| case | TTFT p50 called different (99%) | within noise (99%) | called different (95%) | default gate fails (99%) | default gate fails (95%) | metrics that failed the gate (99%) | runs with a saturated generator | s/run |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const t of tally) {
  const diff = (c) => t.p50[c].regression + t.p50[c].improvement;
  const failed =
    Object.entries(t.gateMetrics)
      .map(([m, n]) => `${m} ×${n}`)
      .join(', ') || '—';
  console.log(
    `| ${t.case} | ${diff(0.99)}/${t.runs} | ${t.p50[0.99]['within noise']}/${t.runs} | ${diff(0.95)}/${t.runs} | ${t.gate[0.99]}/${t.runs} | ${t.gate[0.95]}/${t.runs} | ${failed} | ${t.saturated}/${t.runs}${t.reruns ? ` (+${t.reruns} rerun)` : ''} | ${(t.seconds / t.runs).toFixed(1)} |`,
  );
}
console.log('\nTTFT p50 relative difference and 99% interval, run by run:');
for (const t of tally) console.log(`  ${t.case}: ${t.rel.join('; ')}`);

function count() {
  return { regression: 0, improvement: 0, 'within noise': 0, 'no data': 0 };
}
