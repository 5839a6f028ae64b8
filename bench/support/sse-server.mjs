// The reference server of bench/peers.mjs, run in its own process (pinned to its own core by the
// harness): an OpenAI-compatible /v1/chat/completions with no latency of its own. Streamed: 50
// content tokens, one SSE event per write, then the finish, usage and [DONE]; not streamed: one
// JSON completion. GET /stats says how many responses it has finished (the harness's count of
// requests completed, the same for every client tool). Shape `live` streams OpenAI's chunks as
// served today, written by the mock's own live shape (dist/mock/openai-live-shapes.js: `"usage":null`
// before `choices`, service_tier, system_fingerprint, logprobs, obfuscation padding, the usage chunk
// with its details); `plain` the common key order. Loopback only.
//   node bench/support/sse-server.mjs <port> [tokens=50] [shape=plain|live]
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.argv[2] ?? 0);
const TOKENS = Number(process.argv[3] ?? 50);
const SHAPE = process.argv[4] ?? 'plain';
const ev = (o) => `data: ${JSON.stringify(o)}\n\n`;
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model' };
let first = ev({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
let tokens = Array.from({ length: TOKENS }, () =>
  ev({ ...base, choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] }),
);
let last =
  ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
  ev({ ...base, choices: [], usage: { prompt_tokens: 16, completion_tokens: TOKENS, total_tokens: 16 + TOKENS } }) +
  'data: [DONE]\n\n';
if (SHAPE === 'live') {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { liveWire } = await import(join(root, 'dist', 'mock', 'openai-live-shapes.js'));
  const facts = { ...base, promptTokens: 16, cachedTokens: 0, reasoningTokens: 0, completionTokens: TOKENS };
  const w = liveWire('openai', facts);
  first = w.role();
  tokens = tokens.map((_, k) => w.token(k, ' word', false));
  last = `${w.finish('stop')}${w.usage()}data: [DONE]\n\n`;
} else if (SHAPE !== 'plain') throw new Error(`sse-server: shape ${SHAPE}: plain or live`);
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
    for (const token of tokens) res.write(token);
    res.end(last, () => completed++);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/v1`));
