import type { DroppedArrival } from './recorder.js';
import type { RequestResult } from './request-result.js';

/** RunStart is when a run's load starts: its clock's origin (epoch ms) and the start instant on that clock (ms). */
export interface RunStart {
  originEpochMs: number;
  startedAtMs: number;
}

/**
 * RunOutput is where a run's results go as they happen (k6's Output: Start, AddMetricSamples,
 * Stop): requests.csv, the progress line, live metrics, run.json, a worker's batches to its
 * parent — and the Recorder itself, which the summary is made from. The caller hands the runner a
 * list (RunDeps.outputs, WorkersRun.outputs); the runner calls every output in list order, all on
 * the thread that runs the load (a worker thread's results reach its parent's outputs through the
 * parent's event loop). No output is ever called after its stop.
 */
export interface RunOutput {
  /** start is called once, when the run's clock has its start instant and before the first request. */
  start?(run: RunStart): void;
  /**
   * add receives every result (warmup included) as it completes: user-level route outcomes and
   * their attempts alike, after the recorder and the budget have seen it. It is on the hot path:
   * constant work per result, nothing allocated per token; anything slow is batched and done later.
   */
  add(r: RequestResult): void;
  /** dropped is told of every arrival the load could not send (warmup included), with the group it counts on. */
  dropped?(d: DroppedArrival): void;
  /**
   * inFlight is told +1 when a request goes to a target's client (direct traffic, or an attempt of
   * a failover route; warmup included) and −1 when its result comes back.
   */
  inFlight?(target: string, delta: 1 | -1): void;
  /**
   * firstToken is told, for a request to a target (direct traffic, or an attempt of a failover route; warmup included,
   * as inFlight is), its TTFT (ms from its scheduled time) the moment its first token arrives, before the request ends:
   * live latency for the progress view, which cannot wait for requests that take long to end. Whether the request then
   * succeeds is not known yet. On the hot path: constant work, no allocation.
   */
  firstToken?(target: string, ttftMs: number): void;
  /**
   * stop is called once, when the run's loops have ended and every in-flight request has come back,
   * before the summary is made (and when a run fails, even one that never started): flush, close
   * files, clear timers. The run waits for the promise it returns.
   */
  stop?(): void | Promise<void>;
}
