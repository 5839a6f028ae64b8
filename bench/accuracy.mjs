// Accuracy at scale: how much later than the server llm-bakeoff sees each first token, at 256 and
// 1,000 concurrent streams, beside a bare undici loop in the same minute. Run by hand after
// `npm run build`:
//   node bench/accuracy.mjs                      # 256 and 1000 streams, ×3, ~2 minutes
//   node bench/accuracy.mjs --streams 1000 --reps 1
// The server (bench/support/timed-server.mjs: TTFT 200 ms, a token every 20 ms, 32 tokens) runs in
// its own process pinned to core 0 and logs, per request, when it received the body and when it
// wrote the first token: the server's TTFT. Each client (pinned to core 1) sends an X-Bench-Id
// header, so every request joins the server's log: overhead = the client's TTFT (handed to the
// transport → first token read) − the server's TTFT. No clock is shared: each side times its own
// interval. llm-bakeoff and the bare loop (bench/support/bare-ttft.mjs) alternate, ×reps, each
// 3 requests per stream after one per stream of warm-up. Loopback only.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('accuracy: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}
const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const STREAMS = (args.streams ?? '256,1000').split(',').map(Number);
const REPS = Number(args.reps ?? 3);
let pin = availableParallelism() >= 2;
try {
  execFileSync('which', ['taskset'], { stdio: 'ignore' });
} catch {
  pin = false;
}
const pinned = (core, argv) => (pin ? ['taskset', ['-c', String(core), process.execPath, ...argv]] : [process.execPath, argv]);
const run = (core, argv) =>
  new Promise((ok, fail) => {
    const [cmd, a] = pinned(core, argv);
    const child = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => (code === 0 || code === 5 ? ok({ out, code }) : fail(new Error(`exit ${code}: ${err.slice(-500)}`))));
  });

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-accuracy-'));
const [scmd, sargv] = pinned(0, [join(root, 'bench', 'support', 'timed-server.mjs'), '0']);
const server = spawn(scmd, sargv, { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(text);
    if (m) ok(m[1]);
  });
});
const serverLog = async () => await (await fetch(`${url}/log`)).json();
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const rows = [];
try {
  for (const n of STREAMS) {
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 ? ['bare undici', 'llm-bakeoff'] : ['llm-bakeoff', 'bare undici'];
      for (const tool of order) {
        await serverLog(); // clear
        let mine; // [[serverKey, clientTtftMs]]
        let extra = {};
        if (tool === 'llm-bakeoff') {
          const scenario = join(dir, `acc-${n}.json`);
          writeFileSync(
            scenario,
            JSON.stringify({
              name: `accuracy-${n}`,
              targets: [
                {
                  name: 'timed',
                  provider: 'openai-compatible',
                  model: 'bench-model',
                  baseUrl: `${url}/v1`,
                  clientRequestIdHeader: 'X-Bench-Id',
                },
              ],
              workload: { promptTokens: 16, maxTokens: 32 },
              load: { concurrency: n, requests: 3 * n, warmup: n },
              timeouts: { connect: '10s', firstToken: '30s', total: '60s' },
            }),
          );
          const out = join(dir, `run-${n}-${rep}`);
          await run(1, [cli, 'run', scenario, '--out', out, '-q', '--force']);
          const runId = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).runId;
          const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
          const g = s.groups.find((x) => x.scope === 'target');
          extra = {
            itlP50: g.metrics.itl.p50,
            coalesced: g.itlCoalesced?.share ?? null,
            eldP99: s.generator.eventLoopDelayMs.p99,
            elu: s.generator.eventLoopUtilization,
          };
          const csv = parse(readFileSync(join(out, 'requests.csv'), 'utf8'), { columns: true });
          mine = csv.filter((r) => r.phase === 'measure' && r.ok === '1').map((r) => [`${runId}-${r.id}`, Number(r.ttft_service_ms)]);
          rmSync(out, { recursive: true, force: true });
        } else {
          const { out } = await run(1, [join(root, 'bench', 'support', 'bare-ttft.mjs'), url, String(n), String(3 * n), String(n)]);
          mine = JSON.parse(out.trim().split('\n').at(-1));
        }
        const log = await serverLog();
        const over = mine.filter(([k]) => log[k]).map(([k, ttft]) => ttft - (log[k][1] - log[k][0]));
        const row = {
          streams: n,
          rep: rep + 1,
          tool,
          joined: over.length,
          of: mine.length,
          p50: pct(over, 50),
          p99: pct(over, 99),
          ...extra,
        };
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
  }
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const med = (xs) => pct(xs, 50);
const f = (x) => (x === null || x === undefined ? '—' : x.toFixed(2));
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, Node ${process.versions.node}, server TTFT 200 ms / ITL 20 ms / 32 tokens in its own process${pin ? ' (core 0; clients on core 1)' : ''}, ${REPS} repetition(s), medians of the per-run figures`,
);
console.log(
  '\n| streams | client | TTFT overhead p50 ms | p99 ms | p50 − bare p50 (same rep) | p99 − bare p99 | ITL p50 ms | coalesced gaps | loop delay p99 ms | loop utilization |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const n of STREAMS) {
  for (const tool of ['llm-bakeoff', 'bare undici']) {
    const rs = rows.filter((r) => r.streams === n && r.tool === tool);
    const bare = rows.filter((r) => r.streams === n && r.tool === 'bare undici');
    const d50 = rs.map((r, i) => r.p50 - bare[i].p50);
    const d99 = rs.map((r, i) => r.p99 - bare[i].p99);
    const pctStr = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
    console.log(
      `| ${n} | ${tool} | ${f(med(rs.map((r) => r.p50)))} | ${f(med(rs.map((r) => r.p99)))} | ${tool === 'bare undici' ? '—' : f(med(d50))} | ${tool === 'bare undici' ? '—' : f(med(d99))} | ${f(med(rs.map((r) => r.itlP50 ?? null).filter((x) => x !== null)) ?? null)} | ${tool === 'bare undici' ? '—' : pctStr(med(rs.map((r) => r.coalesced)))} | ${f(med(rs.map((r) => r.eldP99 ?? null).filter((x) => x !== null)) ?? null)} | ${f(med(rs.map((r) => r.elu ?? null).filter((x) => x !== null)) ?? null)} |`,
    );
  }
}
