// The bare baseline of bench/accuracy.mjs: N undici Pool.request loops, each timing its own TTFT
// (request handed to undici → first body chunk) and nothing else; after `requests` requests it
// prints one JSON line: [[id, ttftMs], …]. Loopback only.
//   node bench/support/bare-ttft.mjs <origin> <concurrency> <requests> <warmup>
import { Pool } from 'undici';
import { performance } from 'node:perf_hooks';

const [origin, cArg, nArg, wArg] = process.argv.slice(2);
const [C, N, W] = [Number(cArg), Number(nArg), Number(wArg)];
const pool = new Pool(origin, { connections: C });
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: 32,
  stream: true,
  stream_options: { include_usage: true },
});
let next = 0;
const out = [];
async function loop() {
  for (;;) {
    const i = next++;
    if (i >= N + W) return;
    const id = `bare-${i}`;
    const sentAt = performance.now();
    const res = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'x-bench-id': id },
      body,
    });
    let first = null;
    for await (const _ of res.body) first ??= performance.now();
    if (i >= W) out.push([id, first - sentAt]);
  }
}
await Promise.all(Array.from({ length: C }, loop));
console.log(JSON.stringify(out));
await pool.close();
