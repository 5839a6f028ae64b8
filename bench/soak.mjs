// Soak: a long open-loop run at a moderate rate against a mock in its own process, watching the
// client for leaks. Run by hand after `npm run build`, never in CI:
//   node bench/soak.mjs            # 30 minutes (default)
//   node bench/soak.mjs 60s        # a quick check; also SOAK_DURATION=60s, SOAK_OUT=/tmp/soak
// It starts `bakeoff mock` as its own process (latency ttft 200 ms, itl 20 ms), writes a scenario
// pointing one target at it (open loop, 50 requests/s, 200-token prompts, 64 streamed output
// tokens: ~75 requests in flight), and runs `bakeoff run <scenario> --out <dir> -q` as a child.
// Every 10 s it reads, from /proc, the client's RSS (VmRSS), open descriptors (/proc/<pid>/fd) and
// CPU time (utime + stime), and the mock's RSS and CPU. The summary's event-loop delay is one
// figure for the whole run, so the client also gets a small preload (`--import data:…`, below)
// that samples its own event-loop delay, utilization and heap every 10 s into a file — the same
// monitorEventLoopDelay at 10 ms resolution the generator uses, in a histogram of its own, reset
// after each interval. At the end it reads summary.json and requests.csv and prints a table per
// minute and a verdict. Every byte goes to 127.0.0.1, to the mock this script started.
import { spawn, execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const { decodeHistogram, newHistogram } = await import(join(root, 'dist', 'metrics', 'histogram.js'));

const RATE = 50;
const MOCK = { ttftMs: 200, itlMs: 20, rttMs: 0 };
const WORKLOAD = { promptTokens: 200, maxTokens: 64, stream: true };
const SAMPLE_MS = 10_000;
// Little's law: arrivals/s × seconds each request lasts (headers, first token, 63 more tokens).
const inFlight = Math.round(RATE * ((MOCK.rttMs + MOCK.ttftMs + (WORKLOAD.maxTokens - 1) * MOCK.itlMs) / 1000));

if (process.argv[2] === '--report') {
  // Re-reads a finished soak's directory and prints its table and verdict again.
  if (!process.argv[3]) {
    console.error('soak: --report needs the soak directory (the one holding samples.jsonl and run/)');
    process.exit(2);
  }
  process.exit((await report(resolve(process.argv[3]))) ? 1 : 0);
}
const durationArg = process.argv[2] ?? process.env.SOAK_DURATION ?? '30m';
const durationS = parseDuration(durationArg);
if (!durationS) {
  console.error(`soak: ${JSON.stringify(durationArg)} is not a duration; write e.g. 60s, 5m, 30m, 1h or a number of seconds`);
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error('soak: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}

const outDir = process.env.SOAK_OUT ? resolve(process.env.SOAK_OUT) : mkdtempSync(join(tmpdir(), 'bakeoff-soak-'));
mkdirSync(outDir, { recursive: true });
const runDir = join(outDir, 'run');
const probeFile = join(outDir, 'client-probe.jsonl');
const samplesFile = join(outDir, 'samples.jsonl');
const clkTck = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// Runs inside the client (preloaded; --import runs in its worker threads too, so main thread only):
// every 10 s, the event-loop delay over the interval (less the 10 ms resolution, as the generator
// reports it), utilization and memory, one JSON line appended.
const PROBE = `
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
const file = process.env.SOAK_PROBE_FILE;
if (file && isMainThread) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let elu = performance.eventLoopUtilization();
  const ms = (ns) => Math.round(Math.max(0, ns / 1e6 - 10) * 1000) / 1000;
  setInterval(() => {
    const m = process.memoryUsage();
    const u = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const line = { t: Math.round(performance.now()), eld: h.count ? { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) } : null,
      elu: Math.round(u.utilization * 1000) / 1000, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
    h.reset();
    appendFileSync(file, JSON.stringify(line) + '\\n');
  }, ${SAMPLE_MS}).unref();
}
`;

const children = new Set();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

// 1. The mock, in its own process.
const mock = spawn(
  process.execPath,
  [
    cli,
    'mock',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--ttft-ms',
    String(MOCK.ttftMs),
    '--itl-ms',
    String(MOCK.itlMs),
    '--rtt-ms',
    String(MOCK.rttMs),
    '--seed',
    '1',
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
children.add(mock);
let mockErr = '';
mock.stderr.on('data', (d) => (mockErr += d));
const baseUrl = await new Promise((ok, fail) => {
  let text = '';
  const timer = setTimeout(() => fail(new Error(`mock did not say where it listens within 15 s: ${text}${mockErr}`)), 15_000);
  mock.stdout.on('data', (d) => {
    text += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(text);
    if (m) {
      clearTimeout(timer);
      ok(m[1]);
    }
  });
  mock.once('exit', (code) => fail(new Error(`mock exited (${code}) before listening: ${mockErr}`)));
}).catch((err) => {
  console.error(`soak: ${err.message}`);
  process.exit(1);
});
mock.stdout.resume();

// 2. The scenario: one target on that mock, open loop.
const scenario = {
  name: 'bench-soak',
  description: `soak: ${RATE}/s open loop for ${durationS}s against a mock in its own process`,
  seed: 1,
  targets: [{ name: 'mock-process', baseUrl, model: 'mock-model' }],
  workload: WORKLOAD,
  load: { rate: RATE, duration: `${durationS}s` },
};
const scenarioFile = join(outDir, 'soak-scenario.json');
writeFileSync(scenarioFile, `${JSON.stringify(scenario, null, 2)}\n`);
console.log(
  `soak: ${fmtDuration(durationS)} at ${RATE}/s (open loop, ~${inFlight} in flight), mock ${baseUrl} (pid ${mock.pid}), output ${outDir}`,
);

// 3. The client.
const mockAtStart = proc(mock.pid);
const startedAt = Date.now();
const client = spawn(
  process.execPath,
  ['--import', `data:text/javascript,${encodeURIComponent(PROBE)}`, cli, 'run', scenarioFile, '--out', runDir, '-q'],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SOAK_PROBE_FILE: probeFile },
  },
);
children.add(client);
let clientOut = '';
let clientErr = '';
client.stdout.on('data', (d) => (clientOut += d));
client.stderr.on('data', (d) => (clientErr += d));
const clientExit = new Promise((ok) => client.once('exit', (code, signal) => ok({ code, signal })));
let interrupted = false;
process.on('SIGINT', () => {
  // Once: the client drains and writes its results; the script then reports what was measured.
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error('soak: interrupted; the client drains its in-flight requests and writes its results');
  client.kill('SIGINT');
});

// 4. Samples every 10 s.
const samples = [];
const sample = () => {
  const c = proc(client.pid);
  if (!c) return;
  const m = proc(mock.pid);
  const s = {
    t: Math.round((Date.now() - startedAt) / 1000),
    client: c,
    mock: m,
    load1: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
  };
  samples.push(s);
  appendFileSync(samplesFile, `${JSON.stringify(s)}\n`);
  if (s.t % 60 < SAMPLE_MS / 1000)
    console.log(
      `  ${fmtDuration(s.t).padStart(6)}  client RSS ${mb(c.rssKb)} MB, ${c.fds} fds, ${c.threads} threads; mock RSS ${m ? mb(m.rssKb) : '—'} MB; load ${s.load1}`,
    );
};
const timer = setInterval(sample, SAMPLE_MS);
const deadline = setTimeout(
  () => {
    console.error('soak: the client ran 5 minutes past its duration; stopping it');
    client.kill('SIGINT');
  },
  (durationS + 300) * 1000,
);
const exit = await clientExit;
clearInterval(timer);
clearTimeout(deadline);
const wallS = (Date.now() - startedAt) / 1000;

// The mock's own count of completions, printed when it stops.
mock.kill('SIGTERM');
await new Promise((ok) => (mock.exitCode !== null ? ok() : mock.once('exit', ok)));
const mockCompletions = Number(/after (\d+) completions/.exec(mockErr)?.[1] ?? NaN);
writeFileSync(join(outDir, 'client-stdout.txt'), clientOut);
writeFileSync(join(outDir, 'client-stderr.txt'), clientErr);

// 5. What the files do not hold, then the report from the files.
writeFileSync(
  join(outDir, 'meta.json'),
  `${JSON.stringify(
    { durationS, wallS, exit, mockCompletions, mockAtStart, clkTck, baseUrl, startedAt: new Date(startedAt).toISOString() },
    null,
    2,
  )}\n`,
);
if (!existsSync(join(runDir, 'summary.json'))) {
  console.error(`soak: no summary.json (client exit ${exit.code ?? exit.signal}); stderr:\n${clientErr}`);
  process.exit(1);
}
process.exit((await report(outDir)) ? 1 : 0);

// report prints the per-minute table and the verdict of the soak in `dir`; true when a check failed.
async function report(dir) {
  const runDir = join(dir, 'run');
  const probeFile = join(dir, 'client-probe.jsonl');
  const samplesFile = join(dir, 'samples.jsonl');
  const { durationS, wallS, exit, mockCompletions: served, mockAtStart, clkTck } = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const mockCompletions = Number.isFinite(served) ? served : NaN; // NaN was written as null
  const readLines = (f) =>
    existsSync(f)
      ? readFileSync(f, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
  const samples = readLines(samplesFile);
  const summaryFile = join(runDir, 'summary.json');
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const group = summary.groups.find((g) => g.scope === 'target') ?? summary.groups[0];
  const rows = await countCsvRows(join(runDir, 'requests.csv'));
  const probes = readLines(probeFile);

  // Per minute: the last sample of each minute; CPU over the minute; the timeseries' seconds merged.
  const byMinute = new Map();
  for (const s of samples) byMinute.set(Math.ceil(s.t / 60), s);
  const seriesByMinute = new Map();
  for (const p of group.timeseries ?? []) {
    const k = Math.floor(p.second / 60) + 1;
    let b = seriesByMinute.get(k);
    if (!b) seriesByMinute.set(k, (b = { requests: 0, ok: 0, failed: 0, dropped: 0, ttft: newHistogram(), e2e: newHistogram() }));
    b.requests += p.requests;
    b.ok += p.ok;
    b.failed += p.failed;
    b.dropped += p.dropped;
    if (p.histograms?.ttft) b.ttft.add(decodeHistogram(p.histograms.ttft));
    if (p.histograms?.e2e) b.e2e.add(decodeHistogram(p.histograms.e2e));
  }
  const probesByMinute = new Map();
  for (const p of probes) {
    const k = Math.ceil(p.t / 1000 / 60);
    const b = probesByMinute.get(k) ?? { p50: [], p99: 0, max: 0, elu: [], heapUsed: 0, external: 0 };
    if (p.eld) {
      b.p50.push(p.eld.p50);
      b.p99 = Math.max(b.p99, p.eld.p99);
      b.max = Math.max(b.max, p.eld.max);
    }
    b.elu.push(p.elu);
    b.heapUsed = p.heapUsed;
    b.external = p.external + p.arrayBuffers;
    probesByMinute.set(k, b);
  }

  const head = [
    'min',
    'RSS MB',
    'fds',
    'thr',
    'CPU %',
    'mock RSS',
    'mock CPU %',
    'load1',
    'heap MB',
    'ext MB',
    'ELD p50',
    'ELD p99',
    'ELD max',
    'ELU',
    'req',
    'ok',
    'failed',
    'drop',
    'TTFT p50',
    'TTFT p99',
    'E2E p50',
    'E2E p99',
  ];
  const table = [];
  let prev = { t: 0, client: { cpuTicks: 0 }, mock: mockAtStart };
  const minutes = [...new Set([...byMinute.keys(), ...seriesByMinute.keys()])].sort((a, b) => a - b);
  for (const k of minutes) {
    const s = byMinute.get(k);
    const ts = seriesByMinute.get(k);
    const pr = probesByMinute.get(k);
    const cpu = (a, b, dt) => (a && b && dt > 0 ? (((a.cpuTicks - b.cpuTicks) / clkTck / dt) * 100).toFixed(1) : '—');
    const row = [
      String(k),
      s ? mb(s.client.rssKb) : '—',
      s ? String(s.client.fds) : '—',
      s ? String(s.client.threads) : '—',
      s ? cpu(s.client, prev.client, s.t - prev.t) : '—',
      s?.mock ? mb(s.mock.rssKb) : '—',
      s?.mock && prev.mock ? cpu(s.mock, prev.mock, s.t - prev.t) : '—',
      s ? String(s.load1) : '—',
      pr ? (pr.heapUsed / 1048576).toFixed(1) : '—',
      pr ? (pr.external / 1048576).toFixed(1) : '—',
      pr?.p50.length ? median(pr.p50).toFixed(2) : '—',
      pr?.p50.length ? pr.p99.toFixed(2) : '—',
      pr?.p50.length ? pr.max.toFixed(1) : '—',
      pr ? median(pr.elu).toFixed(3) : '—',
      ts ? String(ts.requests) : '—',
      ts ? String(ts.ok) : '—',
      ts ? String(ts.failed) : '—',
      ts ? String(ts.dropped) : '—',
      ts?.ttft.totalCount ? pctMs(ts.ttft, 50) : '—',
      ts?.ttft.totalCount ? pctMs(ts.ttft, 99) : '—',
      ts?.e2e.totalCount ? pctMs(ts.e2e, 50) : '—',
      ts?.e2e.totalCount ? pctMs(ts.e2e, 99) : '—',
    ];
    table.push(row);
    if (s) prev = s;
  }
  console.log(
    `\nper minute (client: RSS, fds, threads and CPU from /proc at the minute's last 10 s sample, CPU % of one core over the minute;`,
  );
  console.log(
    ` heap / ext(ernal + array buffers), ELD (event-loop delay, ms: median of the 10 s p50s, worst 10 s p99, max) and ELU from the client's preload;`,
  );
  console.log(` req … E2E p99 from summary.json's per-second timeseries, merged per minute of the run clock, by request end time, ms)`);
  printTable(head, table);

  // 6. The verdict.
  const checks = [];
  const after2 = samples.filter((s) => s.t >= 120);
  const ref = after2[0];
  const last = samples.at(-1);
  let rssGrowthPct = null;
  if (ref && last && last !== ref) {
    const growth = (last.client.rssKb - ref.client.rssKb) / 1024;
    rssGrowthPct = (growth / (ref.client.rssKb / 1024)) * 100;
    const slope = slopePerMinute(after2.map((s) => [s.t / 60, s.client.rssKb / 1024]));
    const peak = Math.max(...samples.map((s) => s.client.rssKb)) / 1024;
    checks.push([
      rssGrowthPct <= 10,
      `client RSS ${mb(ref.client.rssKb)} MB at ${fmtDuration(ref.t)} → ${mb(last.client.rssKb)} MB at ${fmtDuration(last.t)}: ${signed(growth)} MB (${signed(rssGrowthPct)}%), fitted slope ${signed(slope, 2)} MB/min, peak ${peak.toFixed(1)} MB (bound: ≤ 10% growth)`,
    ]);
    // RSS moves with the GC cycle (tens of MB between samples): the floor and the mean of a window
    // say more than two single samples. First 5 minutes from minute 2 against the last 5.
    const win = (from, to) => samples.filter((s) => s.t >= from && s.t <= to).map((s) => s.client.rssKb / 1024);
    const a = win(120, 420);
    const z = win(last.t - 300, last.t);
    const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
    if (a.length && z.length)
      checks.push([
        null,
        `client RSS floor (min) / mean: ${Math.min(...a).toFixed(1)} / ${mean(a).toFixed(1)} MB over ${fmtDuration(120)}–${fmtDuration(Math.min(420, last.t))}, ${Math.min(...z).toFixed(1)} / ${mean(z).toFixed(1)} MB over the last 5 min`,
      ]);
    const mockGrowth = ref.mock && last.mock ? (last.mock.rssKb - ref.mock.rssKb) / 1024 : null;
    if (mockGrowth !== null)
      checks.push([
        null,
        `mock RSS ${mb(ref.mock.rssKb)} → ${mb(last.mock.rssKb)} MB (${signed(mockGrowth)} MB; the mock's, informational)`,
      ]);
  } else {
    checks.push([null, 'client RSS: the run was shorter than 2 minutes; no growth figure (the first samples include start-up)']);
  }
  const pHeap = probes.filter((p) => p.t >= 120_000);
  if (pHeap.length >= 2) {
    const h0 = pHeap[0].heapUsed / 1048576;
    const h1 = pHeap.at(-1).heapUsed / 1048576;
    const hs = slopePerMinute(pHeap.map((p) => [p.t / 60000, p.heapUsed / 1048576]));
    checks.push([
      null,
      `client heap used ${h0.toFixed(1)} → ${h1.toFixed(1)} MB (fitted slope ${signed(hs, 3)} MB/min; sampled at random points of the GC cycle)`,
    ]);
  }
  if (samples.length) {
    const fds = samples.map((s) => s.client.fds);
    const steady = samples.filter((s) => s.t >= 60).map((s) => s.client.fds);
    const fd2 = ref ? ref.client.fds : fds[0];
    checks.push([
      steady.length ? Math.max(...steady) - Math.min(...steady) <= inFlight : null,
      `client fds min ${Math.min(...fds)}, max ${Math.max(...fds)} (from minute 2: ${steady.length ? `${Math.min(...steady)}–${Math.max(...steady)}` : '—'}; ${fd2} at ${fmtDuration(ref?.t ?? samples[0].t)}, ${last.client.fds} at the end; bound: spread ≤ the ~${inFlight} requests in flight, since each holds a connection)`,
    ]);
  }
  const g = summary.generator;
  const eld = g.eventLoopDelayMs;
  checks.push([
    eld.p99 !== null && eld.p99 <= 20,
    `event-loop delay (whole run, summary.json): p50 ${eld.p50} ms, p99 ${eld.p99} ms, max ${eld.max} ms; utilization ${g.eventLoopUtilization}, dispatch lag p99 ${g.dispatchLagMs.p99} ms, CPU ${g.cpuPercent}% (bound: p99 ≤ 20 ms, the saturation bound)`,
  ]);
  const pWithEld = probes.filter((p) => p.eld);
  if (pWithEld.length) {
    // The first 10 s hold start-up (tokenizer tables, JIT): reported apart.
    const steady = pWithEld.filter((p) => p.t > 15_000);
    const first = pWithEld[0];
    const p99s = steady.map((p) => p.eld.p99);
    const early = steady.filter((p) => p.t <= 300_000).map((p) => p.eld.p99);
    const late = steady.filter((p) => p.t > (wallS - 300) * 1000).map((p) => p.eld.p99);
    checks.push([
      null,
      steady.length
        ? `event-loop delay per 10 s (preload, after the first 10 s): 10 s p99s median ${median(p99s).toFixed(2)} ms, worst ${Math.max(...p99s).toFixed(2)} ms; median p99 in the first 5 min ${median(early).toFixed(2)} ms, last 5 min ${median(late).toFixed(2)} ms; worst max ${Math.max(...steady.map((p) => p.eld.max)).toFixed(1)} ms; first 10 s (start-up): p99 ${first.eld.p99} ms, max ${first.eld.max} ms`
        : 'event-loop delay per 10 s: too few samples',
    ]);
  }
  const r = group.requests;
  const errs =
    Object.entries(r.errorsByKind ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const genErrs =
    Object.entries(r.generatorErrorsByKind ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const drops =
    Object.entries(r.droppedBy ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  checks.push([
    r.failed === 0 && r.generatorFailed === 0 && r.dropped === 0,
    `requests: total ${r.total}, ok ${r.ok}, failed ${r.failed} (${errs}); generator failed ${r.generatorFailed} (${genErrs}); dropped ${r.dropped} (${drops})`,
  ]);
  for (const [kind, msg] of Object.entries(r.errorSamples ?? {})) checks.push([null, `  first ${kind}: ${msg}`]);
  const expectedRows = r.total + r.generatorFailed + (summary.warmupRequests ?? 0);
  checks.push([
    rows.total === expectedRows,
    `requests.csv: ${rows.total} rows (${Object.entries(rows.byPhase)
      .map(([p, n]) => `${p} ${n}`)
      .join(
        ', ',
      )}) vs summary total ${r.total} + generator failed ${r.generatorFailed} + warmup ${summary.warmupRequests ?? 0} = ${expectedRows}`,
  ]);
  checks.push([
    mockCompletions === rows.total,
    `the mock served ${Number.isNaN(mockCompletions) ? '?' : mockCompletions} completions (its own count) vs ${rows.total} rows`,
  ]);
  const expected = RATE * durationS;
  checks.push([
    Math.abs(r.total + r.generatorFailed + r.dropped - expected) <= 1,
    `arrivals: ${r.total + r.generatorFailed + r.dropped} of the ${expected} scheduled (${RATE}/s × ${durationS} s); offered ${group.offered?.scheduledPerSec}/s, sent ${group.offered?.sentPerSec}/s`,
  ]);
  checks.push([
    exit.code === 0 && summary.validity.valid && summary.status === 'completed',
    `client exit ${exit.code ?? exit.signal}, status ${summary.status} (${summary.stopReason}), valid ${summary.validity.valid}${summary.validity.reasons?.length ? ` (${summary.validity.reasons.join('; ')})` : ''}; warnings: ${g.warnings.length ? g.warnings.join('; ') : 'none'}`,
  ]);
  const m = group.metrics;
  checks.push([
    null,
    `whole run: TTFT p50 ${m.ttft.p50} / p99 ${m.ttft.p99} ms (injected ${MOCK.rttMs + MOCK.ttftMs}), ITL p50 ${m.itl.p50} / p99 ${m.itl.p99} ms (injected ${MOCK.itlMs}), E2E p50 ${m.e2e.p50} / p99 ${m.e2e.p99} ms, ${group.throughput.requestsPerSec?.toFixed(2)} req/s, new connections ${r.newConnections}`,
  ]);
  const load1 = samples.map((s) => s.load1);
  if (load1.length)
    checks.push([
      null,
      `machine load (1-min average): median ${median(load1).toFixed(2)}, max ${Math.max(...load1).toFixed(2)} on ${availableParallelism()} cores (the client and the mock included)`,
    ]);

  console.log(`\nverdict (${fmtDuration(Math.round(wallS))} wall, run ${summary.runId}):`);
  for (const [ok, text] of checks) console.log(`  ${ok === null ? '    ' : ok ? 'ok  ' : 'FAIL'} ${text}`);
  const failed = checks.some(([ok]) => ok === false);
  console.log(
    `\n${failed ? 'SOAK: something to look at (FAIL above)' : 'SOAK: flat'}; samples ${samplesFile}, probe ${probeFile}, results ${runDir}`,
  );
  writeFileSync(
    join(dir, 'soak-report.json'),
    JSON.stringify({ durationS, wallS, rate: RATE, mock: MOCK, workload: WORKLOAD, head, table, checks, mockCompletions, rows }, null, 2) +
      '\n',
  );
  return failed;
}

// proc reads RSS, descriptors, threads and CPU ticks of a live process; null once it is gone.
function proc(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN),
      threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? NaN),
      fds: readdirSync(`/proc/${pid}/fd`).length,
      cpuTicks: Number(f[11]) + Number(f[12]), // utime (14) + stime (15)
    };
  } catch {
    return null;
  }
}

// countCsvRows counts CSV records (quoted fields may hold commas and newlines) and tallies column 2, phase.
async function countCsvRows(file) {
  const byPhase = {};
  let total = 0;
  let quoted = false;
  let col = 0;
  let field = '';
  let header = true;
  let pending = false; // a record has started
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      pending = true;
      if (quoted) {
        if (ch === '"')
          quoted = false; // a doubled quote re-enters at once: same effect on counting
        else if (col === 1) field += ch;
        continue;
      }
      if (ch === '"') quoted = true;
      else if (ch === ',') {
        col++;
      } else if (ch === '\n') {
        if (!header) {
          total++;
          byPhase[field] = (byPhase[field] ?? 0) + 1;
        }
        header = false;
        col = 0;
        field = '';
        pending = false;
      } else if (col === 1 && ch !== '\r') field += ch;
    }
  }
  if (pending && !header) {
    total++;
    byPhase[field] = (byPhase[field] ?? 0) + 1;
  }
  return { total, byPhase };
}

function parseDuration(s) {
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === '') return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) || null;
}
function fmtDuration(s) {
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
function mb(kb) {
  return (kb / 1024).toFixed(1);
}
function signed(x, digits = 1) {
  return `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}
function pctMs(h, p) {
  return (h.getValueAtPercentile(p) / 1000).toFixed(1);
}
function slopePerMinute(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den ? num / den : 0;
}
function printTable(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(head.map((h, i) => h.padStart(w[i])).join('  '));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(w[i])).join('  '));
}
