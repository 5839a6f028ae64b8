import { parentPort, workerData } from 'node:worker_threads';
import { sharedClock } from '../metrics/clock.js';
import type { RequestResult } from '../metrics/request-result.js';
import { startMockInWorker } from '../mock/worker-host.js';
import { readInputs } from './load-inputs.js';
import { runScenario } from './run-scenario.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workers.js';

// One worker thread of a run split with --workers: it opens its share of the scenario on the
// parent's clock, says it is ready, starts its load on the instant the parent sends, and hands
// every result to the parent (which writes requests.csv and the live views), in batches, then its
// summary.
const setup = workerData as WorkerSetup;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

// Results go up in batches: one message per result would cost the parent more than the result.
const BATCH = 256;
const FLUSH_MS = 100;
let results: RequestResult[] = [];
let dropped: Extract<FromWorker, { type: 'batch' }>['dropped'] = [];
const inFlight = new Map<string, number>();
function flush(): void {
  if (!results.length && !dropped.length && !inFlight.size) return;
  post({ type: 'batch', results, dropped, inFlight: [...inFlight] });
  results = [];
  dropped = [];
  inFlight.clear();
}
const timer = setInterval(flush, FLUSH_MS);

const stop = new AbortController();
const hardStop = new AbortController();
let started: (atMs: number) => void = () => undefined;
const startAt = new Promise<number>((resolve) => (started = resolve));
port.on('message', (m: ToWorker) => {
  if (m.type === 'start') started(m.atMs);
  else if (m.type === 'stop') stop.abort(m.reason);
  else hardStop.abort(m.reason);
});

try {
  const read = await readInputs(setup.file);
  if (!read.ok) throw new Error(`${setup.file}: ${read.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const inputs = read.inputs;
  const summary = await runScenario(inputs.scenario, {
    runId: setup.runId,
    env: setup.env,
    startMock: startMockInWorker,
    useMock: setup.useMock,
    pricing: inputs.pricing,
    share: setup.share,
    clock: sharedClock(setup.clock.absoluteOriginMs, setup.clock.originEpochMs),
    ...(setup.fileDescriptorLimit !== undefined ? { fileDescriptorLimit: setup.fileDescriptorLimit } : {}),
    ...(inputs.trace ? { trace: inputs.trace } : {}),
    ...(inputs.datasets ? { datasets: inputs.datasets } : {}),
    stop: stop.signal,
    hardStop: hardStop.signal,
    startAt: () => {
      post({ type: 'ready' });
      return startAt;
    },
    onResult: (r) => {
      results.push(r);
      if (results.length >= BATCH) flush();
    },
    onDropped: (scope, labels, phase, reason) => dropped.push({ scope, labels, phase, reason }),
    onInFlight: (target, delta) => inFlight.set(target, (inFlight.get(target) ?? 0) + delta),
  });
  flush();
  post({ type: 'done', summary });
} catch (err) {
  flush();
  post({ type: 'error', message: (err as Error).message ?? String(err) });
} finally {
  clearInterval(timer);
  port.close();
}
