import { parentPort, workerData } from 'node:worker_threads';
import { sharedClock } from '../metrics/clock.js';
import type { RunOutput } from '../metrics/run-output.js';
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

// toParent is the worker's one output: it batches results, dropped arrivals, in-flight changes and first tokens
// to the parent, every FLUSH_MS or BATCH results, from the run's start to its stop (which flushes).
function toParent(): RunOutput {
  let batch: Extract<FromWorker, { type: 'batch' }> = { type: 'batch', results: [], dropped: [], inFlight: [], firstTokens: [] };
  const inFlight = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (!batch.results.length && !batch.dropped.length && !inFlight.size && !batch.firstTokens.length) return;
    batch.inFlight = [...inFlight];
    post(batch);
    batch = { type: 'batch', results: [], dropped: [], inFlight: [], firstTokens: [] };
    inFlight.clear();
  };
  return {
    start: () => void (timer = setInterval(flush, FLUSH_MS)),
    add(r) {
      if (batch.results.push(r) >= BATCH) flush();
    },
    dropped: (d) => void batch.dropped.push(d),
    inFlight: (target, delta) => void inFlight.set(target, (inFlight.get(target) ?? 0) + delta),
    firstToken: (target, ttftMs) => void batch.firstTokens.push([target, ttftMs]),
    stop() {
      if (timer) clearInterval(timer);
      flush();
    },
  };
}

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
    outputs: [toParent()],
  });
  post({ type: 'done', summary });
} catch (err) {
  post({ type: 'error', message: (err as Error).message ?? String(err) });
} finally {
  port.close();
}
