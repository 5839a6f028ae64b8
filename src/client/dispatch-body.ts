import type { Dispatcher } from 'undici';

/** DispatchedResponse is a response's status and headers, and its body to read. */
export interface DispatchedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
}

// Chunks waiting to be read before the socket is paused (taken together, they resume it).
const HIGH_WATER = 64;

/**
 * ResponseBody is a response body read chunk by chunk as undici hands the chunks over, without a
 * stream: the readers take one network read at a time (`for await`), and a Readable between them
 * and the socket — undici's `request()` body, with its buffering state machine and its async
 * iterator — cost more CPU per streamed request than the SSE parsing it fed (bench/README.md).
 * Backpressure is the socket's: past HIGH_WATER unread chunks it is paused, and resumed when the
 * reader takes them. Leaving a `for await` early (return) aborts the request, which frees its connection.
 */
export class ResponseBody implements AsyncIterableIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private error: Error | null = null;
  private waiting: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  /**
   * push takes a chunk from the socket. One socket read can hand over many (undici calls back once
   * per HTTP chunk: a server that writes each SSE event on its own sends one per event); they are
   * given to the reader together, as one read — its timestamps are per read, and tokens that came
   * in the same read must share one — once the parser is done with the read (a microtask later).
   */
  push(chunk: Buffer): void {
    this.queue.push(chunk);
    if (this.waiting && !this.flushing) {
      this.flushing = true;
      queueMicrotask(this.flush);
    } else if (this.queue.length >= HIGH_WATER && !this.controller.paused) this.controller.pause();
  }

  private flushing = false;
  private readonly flush = () => {
    this.flushing = false;
    const w = this.waiting;
    if (!w || !this.queue.length) return;
    this.waiting = null;
    w.resolve({ value: this.take(), done: false });
  };

  // Everything read so far, as one buffer.
  private take(): Buffer {
    const q = this.queue;
    const chunk = q.length === 1 ? q[0]! : Buffer.concat(q);
    q.length = 0;
    if (this.controller.paused) this.controller.resume();
    return chunk;
  }

  /** end marks the body complete. */
  end(): void {
    this.ended = true;
    const w = this.waiting;
    // Chunks still queued for a waiting reader go first (the flush is due).
    if (w && !this.queue.length) {
      this.waiting = null;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** fail ends the body with the transport's error (after the chunks already read). */
  fail(err: Error): void {
    if (this.ended) return;
    this.error = err;
    const w = this.waiting;
    if (w && !this.queue.length) {
      this.waiting = null;
      w.reject(err);
    }
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** return: the reader stopped early; the rest of the body is not wanted. */
  return(): Promise<IteratorResult<Buffer>> {
    if (!this.ended && !this.error && !this.controller.aborted) this.controller.abort(new Error('response body not read to its end'));
    this.ended = true;
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Cancel ends one request early: a deadline, the reader (an error event), or the user's hard stop.
 * A plain object instead of an AbortController: an EventTarget and its listener per request cost
 * more than the rest of the request's bookkeeping, and only one party ever listens.
 */
export class Cancel {
  aborted = false;
  /** Set by the request in flight: how to abort it. */
  onAbort: (() => void) | null = null;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.onAbort?.();
  }
}

/**
 * dispatchRequest sends a request with undici's `dispatch` and resolves with its status and
 * headers as soon as they arrive; the body follows as a ResponseBody. Rejects with the transport's
 * error when the request fails before a response begins. `cancel` aborts it at any point (before
 * the request reaches a socket, the abort takes effect when it does, as undici's `request()` does).
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  opts: { origin: string; path: string; method: 'POST' | 'GET'; headers: Record<string, string>; body?: string },
  cancel: Cancel,
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let body: ResponseBody | null = null;
    if (cancel.aborted) return reject(abortError());
    cancel.onAbort = () => controller?.abort(abortError());
    const done = () => {
      cancel.onAbort = null;
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (cancel.aborted) c.abort(abortError());
      },
      onResponseStart(c, statusCode, headers) {
        // 1xx informational responses come before the real one.
        if (statusCode < 200) return;
        body = new ResponseBody(c);
        resolve({ statusCode, headers: headers as DispatchedResponse['headers'], body });
      },
      onResponseData(_c, chunk) {
        body?.push(chunk);
      },
      onResponseEnd() {
        done();
        body?.end();
      },
      onResponseError(_c, err) {
        done();
        if (body) body.fail(err);
        else reject(err);
      },
    };
    dispatcher.dispatch(
      { origin: opts.origin, path: opts.path, method: opts.method, headers: opts.headers, body: opts.body ?? null },
      handler,
    );
  });
}

function abortError(): Error {
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}
