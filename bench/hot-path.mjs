// Micro-benchmarks of the generator's per-request hot path, from dist/ (run `npm run build` first):
//   node bench/hot-path.mjs
// Each: warm up, then the best of 5 timed batches (ns per operation; lower is better). CPU only,
// no network: the before/after figures of each hot-path change in bench/README.md come from here.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const { newResult } = await dist('metrics/request-result.js');
const { requestRow } = await dist('output/requests-csv.js');
const { SseDecoder } = await dist('client/sse.js');
const { openaiChat } = await dist('client/openai-chat.js');

function bench(name, n, fn) {
  for (let i = 0; i < n; i++) fn(i);
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    best = Math.min(best, ((performance.now() - t0) * 1e6) / n);
  }
  console.log(`${name.padEnd(52)} ${best.toFixed(0).padStart(8)} ns/op`);
  return best;
}

const labels = (i) => ({
  id: i,
  phase: 'measure',
  target: 'us-east',
  region: 'us-east-1',
  provider: 'openai',
  model: 'gpt-4o-mini',
  workload: 'chat',
  turn: 1,
  step: '',
  scheduledAtMs: i,
  queuedMs: 0,
  inputTokens: 200,
  requestedOutputTokens: 64,
});
let sink;
bench('newResult (the per-request record)', 200_000, (i) => (sink = newResult(labels(i))));

const done = Object.assign(newResult(labels(1)), {
  sentAtMs: 1.2,
  connection: 'reused',
  headersAtMs: 10.5,
  firstTokenAtMs: 200.25,
  firstContentAtMs: 200.25,
  endAtMs: 1480.75,
  itlMs: Array.from({ length: 63 }, () => 20.3),
  contentDeltas: 64,
  outputTokens: 64,
  tokenSource: 'usage',
  status: 200,
  finishReason: 'stop',
});
bench('requestRow (one requests.csv row, 64-token stream)', 100_000, () => (sink = requestRow(done)));

// The rate-limit headers, read once per response: a few lookups, nothing allocated when they are absent.
const { readRateLimit } = await dist('client/rate-limit-headers.js');
const plainHeaders = { 'content-type': 'text/event-stream', 'x-request-id': 'req_1', date: 'Tue, 08 Dec 2026 04:30:00 GMT' };
const quotaHeaders = {
  ...plainHeaders,
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-limit-tokens': '2000000',
  'x-ratelimit-remaining-tokens': '1999800',
};
const noted = newResult(labels(2)); // not `done`: the rows timed below keep their empty quota cells
bench('readRateLimit, a response without quota headers', 1_000_000, () => readRateLimit(noted, plainHeaders));
bench('readRateLimit, OpenAI quota headers', 1_000_000, () => readRateLimit(noted, quotaHeaders));

const ev = (d, f = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', system_fingerprint: 'fp_1', choices: [{ index: 0, delta: d, logprobs: null, finish_reason: f }] })}\n\n`;
let stream = ev({ role: 'assistant', content: '' });
for (let i = 0; i < 64; i++) stream += ev({ content: ' token' });
stream +=
  ev({}, 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 200, completion_tokens: 64, total_tokens: 264 } })}\n\ndata: [DONE]\n\n`;
const bytes = new TextEncoder().encode(stream);
const events = 67;
const perStream = bench('SseDecoder.push (64-token stream, one buffer)', 20_000, () => (sink = new SseDecoder().push(bytes)));
console.log(`${''.padEnd(52)} ${((bytes.length / perStream) * 1e3).toFixed(0).padStart(8)} MB/s`);
// The same stream through eventsource-parser 3 (devDependency), the reference decoder.
const { createParser } = await import('eventsource-parser');
const text = new TextDecoder();
const esp = bench('eventsource-parser 3 (same stream, TextDecoder)', 20_000, () => {
  const evs = [];
  const p = createParser({ onEvent: (e) => evs.push(e) });
  p.feed(text.decode(bytes, { stream: true }));
  sink = evs;
});
console.log(`${''.padEnd(52)} ${((bytes.length / esp) * 1e3).toFixed(0).padStart(8)} MB/s`);
// Token by token: one read per event, as a paced stream arrives.
const perEvent = stream.split(/(?<=\n\n)/).map((e) => new TextEncoder().encode(e));
const small = bench('SseDecoder.push, one event per read (per event)', 20_000 * perEvent.length, (i) => {
  if (i % perEvent.length === 0) sink = new SseDecoder();
  sink.push?.(perEvent[i % perEvent.length]);
});
const smallEsp = bench('eventsource-parser, one event per read (per event)', 20_000 * perEvent.length, (i) => {
  if (i % perEvent.length === 0) sink = createParser({ onEvent: () => {} });
  sink.feed?.(text.decode(perEvent[i % perEvent.length], { stream: true }));
});
void small;
void smallEsp;
const decoded = new SseDecoder().push(bytes);
bench('openaiChat.onEvent per event', 20_000 * events, (i) => {
  const state = { finishReason: '', usage: null };
  sink = openaiChat.onEvent(decoded[i % decoded.length], state);
});
// The same 64 tokens in OpenAI's live shape (the mock's quirks.shape: openai): another key order,
// obfuscation padding, the usage chunk's details.
const { liveWire } = await dist('mock/openai-live-shapes.js');
const wire = liveWire('openai', {
  id: 'chatcmpl-1',
  created: 1,
  model: 'gpt-4o-mini',
  promptTokens: 200,
  cachedTokens: 0,
  reasoningTokens: 0,
  completionTokens: 64,
});
let liveStream = wire.role();
for (let i = 0; i < 64; i++) liveStream += wire.token(i, ' token', false);
liveStream += `${wire.finish('stop')}${wire.usage()}data: [DONE]\n\n`;
const liveDecoded = new SseDecoder().push(new TextEncoder().encode(liveStream));
bench('openaiChat.onEvent per event, OpenAI live shape', 20_000 * events, (i) => {
  const state = { finishReason: '', usage: null };
  sink = openaiChat.onEvent(liveDecoded[i % liveDecoded.length], state);
});
// A whole 64-token stream as a paced server sends it (one event per read), decoded and read: what
// the shape changes per request, in the common key order and in OpenAI's live shape.
const readWhole = (reads) => {
  const d = new SseDecoder();
  const state = { finishReason: '', usage: null };
  for (const b of reads) for (const e of d.push(b)) sink = openaiChat.onEvent(e, state);
};
const liveReads = liveStream.split(/(?<=\n\n)/).map((e) => new TextEncoder().encode(e));
bench('64-token stream decoded + read (per request)', 20_000, () => readWhole(perEvent));
bench('64-token stream decoded + read, OpenAI live shape', 20_000, () => readWhole(liveReads));
void sink;

// requests.csv: rows through the writer into a real file, and the file closed (CPU per row).
const { requestsCsvWriter } = await dist('output/requests-csv.js');
const { mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const tmp = mkdtempSync(join(tmpdir(), 'bakeoff-hot-path-'));
try {
  let best = Infinity;
  const ROWS = 100_000;
  for (let rep = 0; rep < 3; rep++) {
    const w = requestsCsvWriter(join(tmp, `requests-${rep}.csv`));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < ROWS; i++) w.add(done);
    await w.stop();
    const cpu = process.cpuUsage(c0);
    best = Math.min(best, ((cpu.user + cpu.system) * 1e3) / ROWS);
    void t0;
  }
  console.log(`${'requests.csv writer, row to closed file (CPU)'.padEnd(52)} ${best.toFixed(0).padStart(8)} ns/row`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// A Bedrock request's SigV4 signature (src/runner/aws-sigv4.ts): made for every request, before its time starts.
{
  const { sigv4Auth } = await dist('runner/aws-sigv4.js');
  const auth = sigv4Auth(
    async () => ({ accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret', sessionToken: 'bench-token' }),
    'us-east-1',
  );
  const req = {
    method: 'POST',
    url: new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream'),
    headers: { 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream', 'user-agent': 'llm-bakeoff' },
    body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x'.repeat(2000) }] }], inferenceConfig: { maxTokens: 64 } }),
  };
  const N = 20_000;
  for (let i = 0; i < N; i++) await auth.sign(req);
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await auth.sign(req);
    best = Math.min(best, ((performance.now() - t0) * 1e6) / N);
  }
  console.log(`${'SigV4 signature (Bedrock request, 2 KB body)'.padEnd(52)} ${best.toFixed(0).padStart(8)} ns/op`);
}
