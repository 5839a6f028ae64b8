// The generator's ceiling with --workers 1 vs --workers 2, against a server in its own process.
// Run by hand after `npm run build` (never in CI):
//   node bench/workers.mjs                      # 3 repetitions, ~6 minutes
//   node bench/workers.mjs --reps 1 --rates 2000,4000
// The server (bench/support/sse-server.mjs, 16 tokens one SSE event per write, no latency) is
// pinned to core 0 (taskset, when there are 2 cores or more); the generator is left free to use
// both cores, which is the only way a second worker thread can add anything on a 2-core machine
// (the server then competes with it for core 0). Two measures, interleaved, ratios taken within
// a repetition:
//   closed: 512 streams at once for 8 s (1 s warmup): requests/s completed, the generator's CPU %,
//           and its worst thread's event-loop delay p99 (summary.json);
//   open:   each --rates arrival rate for 6 s (1 s warmup): the rate sent (within 1 % of the
//           target?) and dispatch lag p99 (< 2 ms?) of the worst worker.
// Then a projection for a 16-core agent and for N agents (see bench/README.md for what it
// assumes). Loopback only.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('workers: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}
const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const REPS = Number(args.reps ?? 3);
const RATES = (args.rates ?? '1500,3000,4500').split(',').map(Number);
const WORKERS = [1, 2];
let pin = availableParallelism() >= 2;
try {
  execFileSync('which', ['taskset'], { stdio: 'ignore' });
} catch {
  pin = false;
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime + stime, every thread
};

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-workers-'));
const server = spawn(
  pin ? 'taskset' : process.execPath,
  pin
    ? ['-c', '0', process.execPath, join(root, 'bench', 'support', 'sse-server.mjs'), '0', '16']
    : [join(root, 'bench', 'support', 'sse-server.mjs'), '0', '16'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise((ok, fail) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(text);
    if (m) ok(m[1]);
  });
  server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
});
const completed = async () => (await (await fetch(`${url}/stats`)).json()).completed;

// One run of the CLI; returns its summary, its CPU time and the responses the server finished.
async function run(name, load, workers) {
  const scenario = join(dir, `${name}.json`);
  writeFileSync(
    scenario,
    JSON.stringify({
      name,
      targets: [{ name: 'fast', provider: 'openai-compatible', model: 'bench-model', baseUrl: `${url}/v1` }],
      workload: { promptTokens: 16, maxTokens: 16, stream: true },
      load,
      timeouts: { connect: '10s', firstToken: '60s', total: '120s' },
    }),
  );
  const out = join(dir, `${name}-w${workers}-${Date.now()}`);
  const n0 = await completed();
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'run', scenario, '--out', out, '-q', '--force', '--workers', String(workers)], {
    stdio: 'ignore',
  });
  let cpu = 0;
  // /proc/<pid>/stat disappears at exit: sample it to the end.
  const sampler = setInterval(() => {
    try {
      cpu = cpuMs(child.pid);
    } catch {}
  }, 100);
  const code = await new Promise((ok) => child.once('exit', ok));
  clearInterval(sampler);
  const wallMs = performance.now() - t0;
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { code, s, cpuPct: (cpu / wallMs) * 100, responses: (await completed()) - n0 };
}

const closed = []; // [rep] → { workers → row }
const open = []; // [rep] → { rate → { workers → row } }
try {
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? [...WORKERS].reverse() : WORKERS;
    closed[rep] = {};
    for (const w of order) {
      const r = await run('closed-512', { concurrency: 512, duration: '8s', warmup: '1s' }, w);
      const g = r.s.groups.find((x) => x.scope === 'target');
      const parts = r.s.parts ?? [];
      closed[rep][w] = {
        reqPerSec: g.throughput.requestsPerSec,
        cpuPct: r.cpuPct,
        eldP99: r.s.generator.eventLoopDelayMs.p99,
        ttftP50: g.metrics.ttft.p50,
        ttftP99: g.metrics.ttft.p99,
        threads: parts.length || 1,
      };
      console.error(
        `rep ${rep + 1} closed 512 --workers ${w}: ${g.throughput.requestsPerSec} req/s, client CPU ${r.cpuPct.toFixed(0)}%, worst loop delay p99 ${r.s.generator.eventLoopDelayMs.p99} ms, TTFT p50/p99 ${g.metrics.ttft.p50}/${g.metrics.ttft.p99} ms`,
      );
    }
    open[rep] = {};
    for (const rate of RATES) {
      open[rep][rate] = {};
      for (const w of order) {
        const r = await run(`open-${rate}`, { rate, duration: '6s', warmup: '1s' }, w);
        const g = r.s.groups.find((x) => x.scope === 'target');
        const sent = g.offered?.sentPerSec ?? null;
        const lag = r.s.generator.dispatchLagMs.p99;
        open[rep][rate][w] = {
          sent,
          lagP99: lag,
          onTime: sent !== null && sent >= rate * 0.99 && lag !== null && lag < 2,
          dropped: g.requests.dropped,
        };
        console.error(
          `rep ${rep + 1} open ${rate}/s --workers ${w}: sent ${sent}/s, dispatch lag p99 ${lag} ms, dropped ${g.requests.dropped}`,
        );
      }
    }
  }
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
console.log(
  `\nllm-bakeoff --workers 1 vs 2; ${availableParallelism()} cores, Node ${process.version}; server pinned to core 0${pin ? '' : ' (taskset absent: not pinned)'}, generator unpinned; median of ${REPS}`,
);
console.log(
  '\n| closed loop, 512 streams | requests/s (median, range) | × --workers 1 (same rep) | client CPU % | worst thread loop delay p99 | TTFT p50 / p99 |',
);
console.log('|---|---|---|---|---|---|');
for (const w of WORKERS) {
  const rs = closed.map((c) => c[w]);
  const ratio = median(closed.map((c) => c[w].reqPerSec / c[1].reqPerSec));
  console.log(
    `| --workers ${w} | ${median(rs.map((r) => r.reqPerSec)).toFixed(0)} (${range(rs.map((r) => r.reqPerSec))}) | ${ratio.toFixed(2)}× | ${median(rs.map((r) => r.cpuPct)).toFixed(0)} | ${median(rs.map((r) => r.eldP99))} ms | ${median(rs.map((r) => r.ttftP50))} / ${median(rs.map((r) => r.ttftP99))} ms |`,
  );
}
console.log(
  '\n| open loop, target rate | --workers 1: sent/s, dispatch lag p99 (median, range) | runs on time (< 2 ms) / unsaturated (< 10 ms) | --workers 2: sent/s, dispatch lag p99 | on time / unsaturated |',
);
console.log('|---|---|---|---|---|');
const lagOk = (r, ms) => r.sent !== null && r.sent >= r.rate * 0.99 && r.lagP99 !== null && r.lagP99 < ms;
for (const rate of RATES) {
  const cells = (w) => {
    const rs = open.map((o) => ({ ...o[rate][w], rate }));
    const lags = rs.map((r) => r.lagP99);
    return [
      `${median(rs.map((r) => r.sent))?.toFixed(0)}, ${median(lags)} ms (${Math.min(...lags)}–${Math.max(...lags)})`,
      `${rs.filter((r) => lagOk(r, 2)).length}/${rs.length} / ${rs.filter((r) => lagOk(r, 10)).length}/${rs.length}`,
    ];
  };
  console.log(`| ${rate}/s | ${cells(1).join(' | ')} | ${cells(2).join(' | ')} |`);
}
const oneThread = median(closed.map((c) => c[1].reqPerSec));
const twoThreads = median(closed.map((c) => c[2].reqPerSec));
// The highest rate every repetition sent unsaturated (dispatch lag p99 < 10 ms, the bound past which a run warns).
const unsaturated = (w) => Math.max(0, ...RATES.filter((rate) => open.every((o) => lagOk({ ...o[rate][w], rate }, 10))));
console.log(
  `\nprojection (assumptions in bench/README.md): one worker thread here completes ${oneThread.toFixed(0)} streamed req/s at 512 streams; two, ${twoThreads.toFixed(0)} (${(twoThreads / oneThread).toFixed(2)}×) with the server sharing the machine's two cores.`,
);
console.log(
  `  open loop without a saturation warning: --workers 1 up to ${unsaturated(1)}/s, --workers 2 up to ${unsaturated(2)}/s of the rates tried.`,
);
console.log(
  `  16-core agent, 15 worker threads (a core left to the parent, which writes requests.csv, and the OS): ≈ ${(15 * oneThread).toFixed(0)} req/s closed loop and ≈ ${15 * unsaturated(1)}/s open loop unsaturated, if a thread keeps its ceiling — far beyond what one API key is allowed.`,
);
console.log(
  '  N agents: N × one agent (shards share nothing while they run); the merge reads one summary.json per shard, so its cost grows with shards and groups, not with requests.',
);
