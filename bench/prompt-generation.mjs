// Prompt generation cost: how long building one request takes, per workload shape, in µs.
// Run by hand after `npm run build`: node bench/prompt-generation.mjs
// Measures conversationSource(...).at(seq).turn(k, replies) — the work done per request on the
// generator's thread (synthetic text, message assembly, exact token count of every message).
import { performance } from 'node:perf_hooks';
import { conversationSource } from '../dist/workload/request-source.js';
import { workloadSchema } from '../dist/scenario/schema.js';

const shapes = [
  { name: 'chat 200 tok', w: { name: 'chat', promptTokens: 200, maxTokens: 150 } },
  { name: 'rag 800 tok', w: { name: 'rag', promptTokens: 800, maxTokens: 400 } },
  { name: 'code review 2K tok', w: { name: 'code', promptTokens: 2000, maxTokens: 500 } },
  { name: 'summary 3K tok (1K shared prefix)', w: { name: 'sum', promptTokens: 3000, sharedPrefixTokens: 1000, maxTokens: 300 } },
  {
    name: 'support turn 3 (200 tok/turn + 2 replies of 150)',
    w: { name: 'support', promptTokens: 200, maxTokens: 150, turns: 3 },
    turn: 2,
  },
  { name: 'chat 200 tok, cl100k_base', w: { name: 'chat', promptTokens: 200, maxTokens: 150, encoding: 'cl100k_base' } },
];
const reply = Array.from({ length: 150 }, (_, i) => (i % 7 === 0 ? 'answer' : 'the')).join(' ');
const N = 3000;
console.log('shape'.padEnd(52), 'µs/request p50'.padStart(15), 'mean'.padStart(8));
for (const { name, w, turn = 0 } of shapes) {
  const src = conversationSource([workloadSchema.parse(w)], 42);
  const replies = [reply, reply];
  for (let i = 0; i < 300; i++) src.at(i).turn(turn, replies); // warm the JIT and the tokenizer caches
  const us = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    src.at(1000 + i).turn(turn, replies);
    us.push((performance.now() - t0) * 1000);
  }
  us.sort((a, b) => a - b);
  const mean = us.reduce((a, b) => a + b, 0) / N;
  console.log(name.padEnd(52), us[N >> 1].toFixed(1).padStart(15), mean.toFixed(1).padStart(8));
}
