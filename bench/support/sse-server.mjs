// The reference server of bench/peers.mjs, run in its own process (pinned to its own core by the
// harness): an OpenAI-compatible /v1/chat/completions with no latency of its own. Streamed: 50
// content tokens, one SSE event per write, then the finish, usage and [DONE]; not streamed: one
// JSON completion. GET /stats says how many responses it has finished (the harness's count of
// requests completed, the same for every client tool). Loopback only.
//   node bench/support/sse-server.mjs <port> [tokens=50]
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const TOKENS = Number(process.argv[3] ?? 50);
const ev = (o) => `data: ${JSON.stringify(o)}\n\n`;
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model' };
const first = ev({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
const token = ev({ ...base, choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] });
const last =
  ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
  ev({ ...base, choices: [], usage: { prompt_tokens: 16, completion_tokens: TOKENS, total_tokens: 16 + TOKENS } }) +
  'data: [DONE]\n\n';
const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: ' word'.repeat(TOKENS) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 16, completion_tokens: TOKENS, total_tokens: 16 + TOKENS },
});

let completed = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ completed }));
  }
  const parts = [];
  req.on('data', (b) => parts.push(b));
  req.on('end', () => {
    const streamed = Buffer.concat(parts).includes('"stream":true');
    if (!streamed) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
      res.end(completion, () => completed++);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(first);
    for (let i = 0; i < TOKENS; i++) res.write(token);
    res.end(last, () => completed++);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/v1`));
