// The reference server of bench/accuracy.mjs, in its own process: TTFT 200 ms, then a token every
// 20 ms, 32 tokens, OpenAI SSE. It keeps its own log: per request (by its X-Bench-Id header) when
// the body was received and when the first token was written, on its own clock — the server's
// TTFT, which a client's TTFT must exceed only by its own overhead. GET /log returns the log and
// clears it. Loopback only.
//   node bench/support/timed-server.mjs <port> [ttftMs=200] [itlMs=20] [tokens=32]
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const [port = 0, TTFT = 200, ITL = 20, TOKENS = 32] = process.argv.slice(2).map(Number);
const ev = (o) => `data: ${JSON.stringify(o)}\n\n`;
const base = { id: 'chatcmpl-acc', object: 'chat.completion.chunk', created: 1, model: 'bench-model' };
const token = ev({ ...base, choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] });
const last =
  ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
  ev({ ...base, choices: [], usage: { prompt_tokens: 16, completion_tokens: TOKENS, total_tokens: 16 + TOKENS } }) +
  'data: [DONE]\n\n';
let log = {};
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/log') {
    const body = JSON.stringify(log);
    log = {};
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(body);
  }
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['x-bench-id'] ?? '');
    const recvAt = performance.now();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(token);
      const firstAt = performance.now();
      if (id) log[id] = [recvAt, firstAt];
      let sent = 1;
      const tick = () => {
        if (sent++ < TOKENS) {
          res.write(token);
          setTimeout(tick, ITL);
        } else res.end(last);
      };
      setTimeout(tick, ITL);
    }, TTFT);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/v1`));
