import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncodingName } from '../scenario/encodings.js';
import { tokenizer } from './tokenizer.js';

/**
 * The counting thread. A reply's tokens are counted with the real BPE, which costs ~1 µs a
 * character of text without spaces (base64, minified JSON, degenerate repetition): a megabyte of
 * it is a second of CPU. Counted on the thread that reads the responses and takes their
 * timestamps, that second is taken from every other request in flight — a healthy target's TTFT
 * grew by tens of ms beside one such reply. So large replies are counted on a thread of their own:
 * the reading thread only cuts the text into pieces and sends them.
 *
 * The thread runs the built entry (dist/workload/count-worker-main.js); from TypeScript sources
 * (the unit tests) there is none, and counting stays on the calling thread.
 */
const ENTRY = new URL('./count-worker-main.js', import.meta.url);

interface Waiting {
  encoding: EncodingName;
  text: string;
  resolve: (n: number) => void;
}

let worker: Worker | null | undefined;
let nextId = 0;
const waiting = new Map<number, Waiting>();

function host(): Worker | null {
  if (worker !== undefined) return worker;
  if (!existsSync(fileURLToPath(ENTRY))) return (worker = null);
  const w = new Worker(ENTRY);
  // Idle, the thread does not keep the process alive; it is ref'd while a count is awaited.
  w.unref();
  w.on('message', (m: { id: number; n: number }) => {
    const job = waiting.get(m.id);
    waiting.delete(m.id);
    if (waiting.size === 0) w.unref();
    job?.resolve(m.n);
  });
  // A thread that fails (out of memory, say) must not lose a count: what it held is counted here.
  w.on('error', () => {
    worker = null;
    for (const job of waiting.values()) job.resolve(tokenizer(job.encoding).count(job.text));
    waiting.clear();
  });
  return (worker = w);
}

let available: boolean | undefined;

/**
 * offThreadCounting says whether counts sent with countOffThread run on another thread. The
 * thread itself starts with the first count sent to it: a run whose replies are all short never
 * starts it (nor loads a second copy of an encoding into it).
 */
export function offThreadCounting(): boolean {
  available ??= existsSync(fileURLToPath(ENTRY));
  return available && worker !== null;
}

/** countOffThread counts `text` on the counting thread (or here, when there is none). */
export function countOffThread(encoding: EncodingName, text: string): Promise<number> {
  const w = host();
  if (!w) return Promise.resolve(tokenizer(encoding).count(text));
  return new Promise((resolve) => {
    const id = nextId++;
    if (waiting.size === 0) w.ref();
    waiting.set(id, { encoding, text, resolve });
    w.postMessage({ id, encoding, text });
  });
}
