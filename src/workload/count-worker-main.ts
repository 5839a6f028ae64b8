import { parentPort } from 'node:worker_threads';
import type { EncodingName } from '../scenario/encodings.js';
import { tokenizer } from './tokenizer.js';

// The counting thread: counts the text it is sent with the real tokenizer and answers with the
// count, in the order asked. See count-worker-host.ts.
parentPort!.on('message', (m: { id: number; encoding: EncodingName; text: string }) => {
  parentPort!.postMessage({ id: m.id, n: tokenizer(m.encoding).count(m.text) });
});
