// Generator capacity beside its peers: client CPU per request and requests/s, for llm-bakeoff, a
// bare undici Pool.request loop, autocannon, wrk and hey, against the same zero-latency server.
// Run by hand after `npm run build` (never in CI):
//   node bench/peers.mjs                       # 3 repetitions, ~12 minutes
//   node bench/peers.mjs --reps 1 --cases stream-64 --window 4
//   node bench/peers.mjs --tools 'llm-bakeoff,bare undici' --bakeoff-cli ../old/dist/cli/main.js
//   node bench/peers.mjs --tools llm-bakeoff --cases stream-64,stream-64-live --rate 2000   # same offered load
// The server (bench/support/sse-server.mjs) runs in its own process pinned to core 0, each client
// pinned to core 1 (taskset, when there are 2 cores or more). Per measurement: start the client,
// let it warm up, then over a window read its CPU time from /proc/<pid>/stat and the number of
// responses the server finished (its /stats): CPU per request = client CPU / responses, the same
// count for every tool. Tools are interleaved, their order rotated each repetition, and ratios
// to the bare loop are taken within a repetition, then their median reported. wrk and hey are
// Debian packages (apt-get install wrk hey): skipped with a note when absent. Loopback only.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args0 = process.argv.slice(2);
const cliArg = args0.indexOf('--bakeoff-cli');
// --bakeoff-cli: another build's dist/cli/main.js (a before/after of a change, same harness).
const cli = cliArg >= 0 ? resolve(args0[cliArg + 1]) : join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('peers: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}
const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const REPS = Number(args.reps ?? 3);
const WARM_S = Number(args.warm ?? 3);
const WINDOW_S = Number(args.window ?? 6);
// --rate N: llm-bakeoff sends an open loop of N requests/s instead of saturating its connections, so two cases (a
// stream shape and another) are compared at the same offered load: CPU per request is then the cost of reading the
// reply, not of how many replies one wake-up of the loop finds (at saturation a slower server batches less).
const RATE = args.rate === undefined ? null : Number(args.rate);
// [streamed, connections, the server's chunk shape]; the -live cases stream OpenAI's live shape (run
// beside their plain case to read what the shape costs: same repetition, same server process kind).
const ALL_CASES = {
  'stream-64': [true, 64, 'plain'],
  'stream-512': [true, 512, 'plain'],
  'plain-64': [false, 64, 'plain'],
  'plain-512': [false, 512, 'plain'],
  'stream-64-live': [true, 64, 'live'],
  'stream-512-live': [true, 512, 'live'],
};
const DEFAULT_CASES = ['stream-64', 'stream-512', 'plain-64', 'plain-512'];
const cases = (args.cases ?? DEFAULT_CASES.join(','))
  .split(',')
  .map((k) => ({ key: k, stream: ALL_CASES[k][0], conns: ALL_CASES[k][1], shape: ALL_CASES[k][2] }));
const has = (bin) => {
  try {
    execFileSync('which', [bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const pin = has('taskset') && availableParallelism() >= 2;
const pinned = (core, cmd, argv) => (pin ? ['taskset', ['-c', String(core), cmd, ...argv]] : [cmd, argv]);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime + stime, every thread
};

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-peers-'));
const body = (stream) => JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hello' }], max_tokens: 50, stream });
writeFileSync(
  join(dir, 'post-stream.lua'),
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${body(true)}'\n`,
);
writeFileSync(
  join(dir, 'post-plain.lua'),
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${body(false)}'\n`,
);

const TOOLS = {
  'llm-bakeoff': (url, c) => {
    const scenario = join(dir, `bakeoff-${c.key}.json`);
    writeFileSync(
      scenario,
      JSON.stringify({
        name: 'peers',
        targets: [{ name: 'bench', provider: 'openai-compatible', model: 'bench-model', baseUrl: `${url}/v1` }],
        workload: { promptTokens: 16, maxTokens: 50, stream: c.stream },
        load: RATE === null ? { concurrency: c.conns, duration: '3600s', warmup: 0 } : { rate: RATE, duration: '3600s', warmup: 0 },
        timeouts: { connect: '10s', firstToken: '60s', total: '120s' },
      }),
    );
    return [process.execPath, [cli, 'run', scenario, '--out', join(dir, `run-${c.key}-${Date.now()}`), '-q', '--force']];
  },
  'bare undici': (url, c) => [
    process.execPath,
    [join(root, 'bench', 'support', 'bare-undici.mjs'), url, String(c.conns), c.stream ? '1' : '0'],
  ],
  autocannon: (url, c) => [
    process.execPath,
    [
      join(root, 'node_modules', 'autocannon', 'autocannon.js'),
      '-c',
      String(c.conns),
      '-d',
      '3600',
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-b',
      body(c.stream),
      `${url}/v1/chat/completions`,
    ],
  ],
  wrk: has('wrk')
    ? (url, c) => [
        'wrk',
        ['-t1', `-c${c.conns}`, '-d3600s', '-s', join(dir, c.stream ? 'post-stream.lua' : 'post-plain.lua'), `${url}/v1/chat/completions`],
      ]
    : null,
  hey: has('hey')
    ? (url, c) => [
        'hey',
        ['-c', String(c.conns), '-z', '3600s', '-m', 'POST', '-T', 'application/json', '-d', body(c.stream), `${url}/v1/chat/completions`],
      ]
    : null,
};
const only = args.tools ? args.tools.split(',') : null;
const tools = Object.keys(TOOLS).filter((t) => TOOLS[t] && (!only || only.includes(t)));
for (const t of Object.keys(TOOLS)) if (!TOOLS[t]) console.log(`peers: ${t} not installed (apt-get install ${t}): skipped`);

async function startServer(shape) {
  const [cmd, argv] = pinned(0, process.execPath, [join(root, 'bench', 'support', 'sse-server.mjs'), '0', '50', shape]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(text);
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  return { child, url, completed: async () => (await (await fetch(`${url}/stats`)).json()).completed };
}

async function measure(tool, c, server) {
  const [cmd, argv] = pinned(1, ...TOOLS[tool](server.url, c));
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  try {
    await sleep(WARM_S * 1000);
    if (child.exitCode !== null) throw new Error(`${tool} exited ${child.exitCode}: ${err.slice(-400)}`);
    const [cpu0, n0, t0] = [cpuMs(child.pid), await server.completed(), performance.now()];
    await sleep(WINDOW_S * 1000);
    const [cpu1, n1, t1] = [cpuMs(child.pid), await server.completed(), performance.now()];
    const n = n1 - n0;
    return {
      cpuUsPerReq: n ? ((cpu1 - cpu0) * 1000) / n : null,
      reqPerSec: (n * 1000) / (t1 - t0),
      cpuPct: ((cpu1 - cpu0) / (t1 - t0)) * 100,
    };
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    await sleep(500); // sockets closed before the next tool
  }
}

const results = {}; // case → tool → [rep results]
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const c of cases) {
      const server = await startServer(c.shape);
      try {
        const order = tools.map((_, i) => tools[(i + rep) % tools.length]);
        for (const tool of order) {
          const r = await measure(tool, c, server);
          ((results[c.key] ??= {})[tool] ??= []).push(r);
          console.error(
            `rep ${rep + 1} ${c.key} ${tool}: ${r.cpuUsPerReq?.toFixed(0)} µs CPU/request, ${r.reqPerSec.toFixed(0)} req/s, client CPU ${r.cpuPct.toFixed(0)}%`,
          );
        }
      } finally {
        server.child.kill('SIGKILL');
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, Node ${process.versions.node}, ${REPS} repetition(s), ${WINDOW_S} s windows after ${WARM_S} s warm-up, server and client ${pin ? 'pinned to cores 0 and 1' : 'not pinned'}${RATE === null ? '' : `, llm-bakeoff at ${RATE} requests/s`}`,
);
console.log(
  '\n| case | tool | client CPU µs / request (median, range) | × bare undici (same rep, median) | requests/s (median) | client CPU % |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const c of cases) {
  const bare = results[c.key]['bare undici'] ?? [];
  for (const tool of tools) {
    const rs = results[c.key][tool];
    const cpu = rs.map((r) => r.cpuUsPerReq);
    const ratio = median(rs.map((r, i) => (r.cpuUsPerReq !== null && bare[i]?.cpuUsPerReq ? r.cpuUsPerReq / bare[i].cpuUsPerReq : null)));
    console.log(
      `| ${c.key} | ${tool} | ${median(cpu)?.toFixed(0)} (${range(cpu)}) | ${ratio?.toFixed(2)}× | ${median(rs.map((r) => r.reqPerSec)).toFixed(0)} | ${median(rs.map((r) => r.cpuPct)).toFixed(0)} |`,
    );
  }
}

// A live shape beside its plain case: llm-bakeoff's CPU per request, live ÷ plain, within each repetition.
for (const c of cases.filter((c) => c.shape === 'live')) {
  const plain = results[c.key.replace(/-live$/, '')]?.['llm-bakeoff'];
  const live = results[c.key]['llm-bakeoff'];
  if (!plain || !live) continue;
  const ratios = live.map((r, i) => (r.cpuUsPerReq && plain[i].cpuUsPerReq ? r.cpuUsPerReq / plain[i].cpuUsPerReq : null));
  console.log(
    `\n${c.key}: llm-bakeoff CPU per request × ${median(ratios)?.toFixed(3)} of ${c.key.replace(/-live$/, '')} (same rep, median; ${ratios.map((r) => r?.toFixed(3)).join(', ')})`,
  );
}
