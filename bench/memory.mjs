// Memory: RSS at start (validate, and a run before its first request), at 500 streamed
// requests/s, and over 1,000,000 requests (flat?). Run by hand after `npm run build`:
//   node bench/memory.mjs                 # ~3 minutes
//   node bench/memory.mjs --requests 200000
// The server (bench/support/sse-server.mjs) runs in its own process, pinned to core 0; the
// generator on core 1. Peak RSS from the kernel (getrusage maxrss, via a preload that prints it at
// exit), RSS over time from /proc/<pid>/status. Loopback only.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// --bakeoff-cli: another build's dist/cli/main.js (a before/after of a change, same harness).
const cliArg = process.argv.indexOf('--bakeoff-cli');
const cli = cliArg >= 0 ? resolve(process.argv[cliArg + 1]) : join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error('memory: dist/cli/main.js not found; run `npm run build` first');
  process.exit(2);
}
const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const REQUESTS = Number(args.requests ?? 1_000_000);
const pin = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
const PEAK = `data:text/javascript,${encodeURIComponent("process.on('exit', () => process.stderr.write(`\\nPEAK_RSS_KB ${process.resourceUsage().maxRSS}\\n`));")}`;
const start = (core, argv, opts = {}) => {
  const full = [process.execPath, '--import', PEAK, ...argv];
  return pin ? spawn('taskset', ['-c', String(core), ...full], opts) : spawn(full[0], full.slice(1), opts);
};
const peakOf = (child) =>
  new Promise((ok) => {
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => ok({ code, peakMb: Number(/PEAK_RSS_KB (\d+)/.exec(err)?.[1] ?? NaN) / 1024, err }));
  });
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-memory-'));
const server = pin
  ? spawn('taskset', ['-c', '0', process.execPath, join(root, 'bench', 'support', 'sse-server.mjs'), '0', '16'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
  : spawn(process.execPath, [join(root, 'bench', 'support', 'sse-server.mjs'), '0', '16'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok) => {
  let t = '';
  server.stdout.on('data', (d) => {
    t += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(t);
    if (m) ok(m[1]);
  });
});
const scenario = (name, load, stream = true) => {
  const f = join(dir, `${name}.json`);
  writeFileSync(
    f,
    JSON.stringify({
      name,
      targets: [{ name: 'fast', provider: 'openai-compatible', model: 'bench-model', baseUrl: url }],
      workload: { promptTokens: 16, maxTokens: 16, stream },
      load,
    }),
  );
  return f;
};

try {
  // 1. validate: the CLI, the scenario, the plan; no encoding is loaded.
  const v = await peakOf(start(1, [cli, 'validate', join(root, 'scenarios', 'quickstart.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] }));
  console.log(`validate scenarios/quickstart.yaml: peak RSS ${v.peakMb.toFixed(0)} MB`);

  // 2. 500 streamed requests/s for 60 s (open loop).
  const r500 = start(1, [cli, 'run', scenario('rate500', { rate: 500, duration: '60s', warmup: '2s' }), '--out', join(dir, 'r500'), '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const p500 = peakOf(r500);
  const s500 = [];
  for (let t = 5; r500.exitCode === null && t <= 70; t += 5) {
    await sleep(5000);
    if (r500.exitCode === null) s500.push(`${t}s ${rssMb(r500.pid).toFixed(0)}`);
  }
  console.log(`500 streamed req/s for 60 s: peak RSS ${(await p500).peakMb.toFixed(0)} MB; RSS MB every 5 s: ${s500.join(', ')}`);

  // 3. REQUESTS non-streamed requests, closed loop of 64: RSS as the count grows.
  const rM = start(
    1,
    [cli, 'run', scenario('million', { concurrency: 64, requests: REQUESTS, warmup: 64 }, false), '--out', join(dir, 'million'), '-q'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const pM = peakOf(rM);
  const sM = [];
  const t0 = Date.now();
  while (rM.exitCode === null) {
    await sleep(10_000);
    if (rM.exitCode === null) sM.push(`${Math.round((Date.now() - t0) / 1000)}s ${rssMb(rM.pid).toFixed(0)}`);
  }
  const done = await pM;
  const rows = readFileSync(join(dir, 'million', 'requests.csv'), 'utf8').split('\n').length - 2;
  console.log(
    `${REQUESTS.toLocaleString('en')} requests (exit ${done.code}, ${rows.toLocaleString('en')} rows, ${((Date.now() - t0) / 1000).toFixed(0)} s): peak RSS ${done.peakMb.toFixed(0)} MB; RSS MB every 10 s: ${sM.join(', ')}`,
  );
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
