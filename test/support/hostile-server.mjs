// A loopback server that misbehaves the way providers do when it matters: one mode per path prefix
// (http://127.0.0.1:PORT/<mode>/v1/chat/completions). It runs in a process of its own, so what it
// costs to misbehave (10 MB writes, a million-character reply) is not charged to the client under
// test. Started by test/cli/hostile-corpus.test.ts; prints "listening <port>" when ready.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const sockets = new Set();
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-hostile', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const finish = (promptTokens = 16, completionTokens = 4) =>
  chunk({}, 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-hostile', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } })}\n\n` +
  'data: [DONE]\n\n';
const sse = (res, extra = {}) => res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_hostile', ...extra });
const json = (res, status, body, headers = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};
// Write a long body in pieces of about 64 KB, with a turn of the event loop between them,
// stopping if the client left.
function writeAll(res, pieces, done) {
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    let written = 0;
    while (i < pieces.length) {
      written += pieces[i].length;
      if (!res.write(pieces[i++])) return res.once('drain', next);
      if (written >= 64 * 1024) return setImmediate(next);
    }
    done();
  };
  next();
}
// The long bodies are made once, at start-up: a server busy building them would delay every
// other mode's reply and look like the client's fault.
const TEN_MB_EVENT = ['data: {"choices":[{"delta":{"content":"', ...Array(160).fill('x'.repeat(64 * 1024))];
const NO_SPACE = (() => {
  const text = randomBytes(786_432).toString('base64');
  const pieces = [chunk({ role: 'assistant', content: '' })];
  for (let i = 0; i < text.length; i += 1024) pieces.push(chunk({ content: text.slice(i, i + 1024) }));
  return pieces;
})();
const X_DELTAS = [chunk({ role: 'assistant', content: '' }), ...Array(100_000).fill(chunk({ content: 'x' }))];
const WORDS = [chunk({ role: 'assistant', content: '' }), ...Array(2000).fill(chunk({ content: ' word' }))];

// The costly modes send their monster once per server; later requests get a small reply of the
// same shape. Counting a megabyte of base64 costs the client a second of CPU, which is its real
// price, and one is enough to show it neither freezes the run nor starves the healthy target; a
// closed loop that asked for it again and again would only measure a saturated machine.
// A path segment after the mode names a series (http://…/<mode>/<series>/v1): each series gets
// its own first request; the series "always" gets the monster every time.
const served = new Map();
const first = (req) => {
  const [, mode, series] = (req.url ?? '').split('/');
  if (series === 'always') return true;
  const key = `${mode}/${series}`;
  served.set(key, (served.get(key) ?? 0) + 1);
  return served.get(key) === 1;
};

const modes = {
  healthyish: (_req, res) => {
    sse(res);
    res.end(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'fine' }) + finish());
  },
  'invalid-json': (_req, res) => {
    sse(res);
    res.write(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'one' }));
    res.end(`data: {"choices": [{"delta": {"content": "two"\n\n${finish()}`);
  },
  'wrong-content-type': (_req, res) => {
    // A valid stream labelled text/plain: read as what it is.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'mislabelled but fine' }) + finish());
  },
  'html-200': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>${'<p>blocked</p>'.repeat(80)}</body></html>`,
    );
  },
  gzip: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
    res.end(gzipSync(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'zipped' }) + finish()));
  },
  'huge-event': (_req, res) => {
    // One 10 MB event: a data line that never ends within any sane size.
    sse(res);
    res.write(chunk({ role: 'assistant', content: '' }));
    writeAll(res, TEN_MB_EVENT, () => res.end(`"}}]}\n\n${finish()}`));
  },
  'no-space-megabyte': (req, res) => {
    // A 1 MB reply with no space in it (base64: the costliest text to count), in 1 KB deltas, no usage.
    sse(res);
    writeAll(res, first(req) ? NO_SPACE : NO_SPACE.slice(0, 9), () => res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`));
  },
  'hundred-thousand-deltas': (req, res) => {
    sse(res);
    writeAll(res, first(req) ? X_DELTAS : X_DELTAS.slice(0, 1001), () => res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`));
  },
  'never-ends': (_req, res) => {
    sse(res);
    res.write(chunk({ role: 'assistant', content: '' }));
    const timer = setInterval(() => res.write(chunk({ content: ' more' })), 20);
    res.on('close', () => clearInterval(timer));
  },
  'no-done': (_req, res) => {
    sse(res);
    res.end(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'cut' }) + chunk({ content: ' short' }));
  },
  'headers-then-silence': (_req, res) => {
    sse(res);
    res.flushHeaders();
  },
  slowloris: (_req, res) => {
    // A valid stream, one byte every 200 ms: the first token would take half a minute.
    sse(res);
    const body = chunk({ role: 'assistant', content: '' }) + chunk({ content: 'slow' }) + finish();
    let i = 0;
    const timer = setInterval(() => {
      if (i < body.length) res.write(body[i++]);
      else {
        clearInterval(timer);
        res.end();
      }
    }, 200);
    res.on('close', () => clearInterval(timer));
  },
  'error-body-200': (_req, res) =>
    json(res, 200, {
      error: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: 'overloaded' },
    }),
  'error-event': (_req, res) => {
    sse(res);
    res.end(
      chunk({ role: 'assistant', content: '' }) +
        chunk({ content: 'Hel' }) +
        `data: ${JSON.stringify({ error: { message: 'The model produced invalid content.', type: 'server_error' } })}\n\n`,
    );
  },
  'reset-before-headers': (_req, res) => res.socket.destroy(),
  'reset-mid-stream': (_req, res) => {
    sse(res);
    res.write(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'half' }) + chunk({ content: ' a' }));
    setTimeout(() => res.socket?.destroy(), 20);
  },
  'far-too-long': (_req, res) => {
    // Asked for 8 tokens, sends 2,000 (and says so in usage).
    sse(res);
    writeAll(res, WORDS, () => res.end(finish(16, 2000)));
  },
  'unauthorized-401': (_req, res) =>
    json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }),
  'rate-limited-429': (_req, res) =>
    json(
      res,
      429,
      { error: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' } },
      { 'retry-after': '1' },
    ),
  'unavailable-503-html': (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end(
      '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>',
    );
  },
};

const server = createServer((req, res) => {
  const mode = (req.url ?? '').split('/')[1] ?? '';
  req.resume();
  req.on('end', () => {
    const behave = modes[mode];
    if (behave) behave(req, res);
    else json(res, 404, { error: { message: `no mode ${mode}` } });
  });
});
server.keepAliveTimeout = 60_000;
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
});
