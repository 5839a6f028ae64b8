// The baseline client of bench/peers.mjs: the least a Node.js client can do per request — an
// undici Pool, N loops each sending a request and reading its body to the end, nothing parsed,
// nothing recorded. Runs until killed.
//   node bench/support/bare-undici.mjs <origin> <connections> <stream: 0|1>
import { Pool } from 'undici';

const [origin, connArg, streamArg] = process.argv.slice(2);
const connections = Number(connArg);
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: 50,
  stream: streamArg === '1',
});
const pool = new Pool(origin, { connections, pipelining: 1 });
async function loop() {
  for (;;) {
    const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body });
    for await (const _ of res.body);
  }
}
for (let i = 0; i < connections; i++)
  loop().catch((e) => {
    console.error(e);
    process.exit(1);
  });
