// Open-loop fidelity against a server in its own process: at each arrival rate, does llm-bakeoff
// send on time (achieved within 1 % of the target, dispatch lag p99 < 2 ms)? Run by hand after
// `npm run build`:
//   node bench/open-loop.mjs                     # 500, 1000, 2000, 3000 /s, 6 s each, ×3
//   node bench/open-loop.mjs --rates 3000 --reps 1
//   node bench/open-loop.mjs --client-free        # the generator free to use both cores
// The server (bench/support/sse-server.mjs, 16 tokens one event per write, no latency) is pinned to
// core 0 and the generator to core 1 (taskset). Each run reads the generator's own summary.json:
// scheduled vs sent per second, drops and why, dispatch lag, event-loop delay and the warnings it
// printed. Loopback only.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('open-loop: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}
const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const RATES = (args.rates ?? '500,1000,2000,3000').split(',').map(Number);
const REPS = Number(args.reps ?? 3);
const SECONDS = Number(args.seconds ?? 6);
let pin = availableParallelism() >= 2;
try {
  execFileSync('which', ['taskset'], { stdio: 'ignore' });
} catch {
  pin = false;
}
// --client-free: the generator not pinned (V8's garbage collector runs helper threads; pinned to
// one core they queue behind the main thread, and young-generation pauses grow).
const clientFree = process.argv.includes('--client-free');
const pinned = (core, argv) =>
  pin && !(core === 1 && clientFree) ? ['taskset', ['-c', String(core), process.execPath, ...argv]] : [process.execPath, argv];

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-open-loop-'));
const [scmd, sargv] = pinned(0, [join(root, 'bench', 'support', 'sse-server.mjs'), '0', '16']);
const server = spawn(scmd, sargv, { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(text);
    if (m) ok(m[1]);
  });
  server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
});

const rows = [];
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const rate of RATES) {
      const scenario = join(dir, `rate-${rate}.json`);
      writeFileSync(
        scenario,
        JSON.stringify({
          name: `open-loop-${rate}`,
          targets: [{ name: 'fast', provider: 'openai-compatible', model: 'bench-model', baseUrl: url }],
          workload: { promptTokens: 16, maxTokens: 16 },
          load: { rate, duration: `${SECONDS}s`, warmup: '1s' },
        }),
      );
      const out = join(dir, `run-${rate}-${rep}`);
      const [cmd, argv] = pinned(1, [cli, 'run', scenario, '--out', out, '-q', '--force']);
      const code = await new Promise((ok) => spawn(cmd, argv, { stdio: 'ignore' }).once('exit', ok));
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      const g = s.groups.find((x) => x.scope === 'target');
      const o = g.offered ?? {};
      const row = {
        rate,
        rep: rep + 1,
        exit: code,
        sent: o.sentPerSec,
        within1: o.sentPerSec >= rate * 0.99,
        dropped: g.requests.dropped,
        droppedBy: JSON.stringify(g.requests.droppedBy),
        lagP50: s.generator.dispatchLagMs?.p50,
        lagP99: s.generator.dispatchLagMs?.p99,
        eldP99: s.generator.eventLoopDelayMs?.p99,
        elu: s.generator.eventLoopUtilization,
        ttftP50: g.metrics.ttft.p50,
        ttftP99: g.metrics.ttft.p99,
        errors: g.requests.failed + g.requests.generatorFailed,
        warnings: s.generator.warnings.length,
      };
      rows.push(row);
      console.error(JSON.stringify(row));
      rmSync(out, { recursive: true, force: true });
    }
  }
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const med = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const f = (x, d = 2) => (x === null || x === undefined ? '—' : x.toFixed(d));
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, Node ${process.versions.node}, ${SECONDS} s per run after 1 s warm-up, ${REPS} repetition(s) (medians; on time = achieved ≥ 99 % of target and dispatch lag p99 < 2 ms), ${pin ? (clientFree ? 'server core 0, generator not pinned' : 'server core 0, generator core 1') : 'not pinned'}`,
);
console.log(
  '\n| rate | achieved /s | on time (runs) | dispatch lag p50 / p99 ms | event-loop delay p99 ms | loop utilization | TTFT p50 / p99 ms | dropped | failed | warnings (runs) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const rate of RATES) {
  const rs = rows.filter((r) => r.rate === rate);
  const onTime = rs.filter((r) => r.within1 && r.lagP99 !== null && r.lagP99 < 2).length;
  console.log(
    `| ${rate} | ${f(med(rs.map((r) => r.sent)), 0)} | ${onTime}/${rs.length} | ${f(med(rs.map((r) => r.lagP50)))} / ${f(med(rs.map((r) => r.lagP99)))} | ${f(med(rs.map((r) => r.eldP99)))} | ${f(med(rs.map((r) => r.elu)))} | ${f(med(rs.map((r) => r.ttftP50)))} / ${f(med(rs.map((r) => r.ttftP99)))} | ${med(rs.map((r) => r.dropped))} | ${med(rs.map((r) => r.errors))} | ${rs.filter((r) => r.warnings).length}/${rs.length} |`,
  );
}
