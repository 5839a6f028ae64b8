import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { Cancel, dispatchRequest, ResponseBody } from '../../src/client/dispatch-body.js';

// The response body without a stream: chunks queue until the reader takes them (all of them, as one
// read); past the high-water mark the socket is paused and the next read resumes it; a reader that
// leaves early aborts the request. dispatchRequest resolves on the first final status and rejects on
// what fails before it; a Cancel aborts the request wherever it is.

/** FakeController records what the body asked of the socket. */
class FakeController {
  paused = false;
  aborted = false;
  reason: Error | null = null;
  pauses = 0;
  resumes = 0;
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
  }
}

function body(): { body: ResponseBody; c: FakeController } {
  const c = new FakeController();
  return { body: new ResponseBody(c as unknown as Dispatcher.DispatchController), c };
}

const chunk = (i: number) => Buffer.from(`data: ${i}\n\n`);
const text = (r: IteratorResult<Buffer>) => (r.done ? null : r.value.toString());

describe('ResponseBody', () => {
  it('pauses the socket at 64 unread chunks, not before, and resumes it when the reader takes them', async () => {
    const { body: b, c } = body();
    for (let i = 0; i < 63; i++) b.push(chunk(i));
    expect(c.paused).toBe(false);
    b.push(chunk(63));
    expect(c).toMatchObject({ paused: true, pauses: 1 });
    // More chunks while paused (already on their way) neither pause again nor are lost.
    b.push(chunk(64));
    expect(c.pauses).toBe(1);
    const read = await b.next();
    expect(text(read)).toBe(Array.from({ length: 65 }, (_, i) => chunk(i).toString()).join(''));
    expect(c).toMatchObject({ paused: false, resumes: 1 });
    // Below the mark again: reading does not touch the socket.
    b.push(chunk(65));
    expect(text(await b.next())).toBe(chunk(65).toString());
    expect(c).toMatchObject({ pauses: 1, resumes: 1 });
  });

  it('gives a waiting reader the chunks of one socket read together, as one read', async () => {
    const { body: b } = body();
    const pending = b.next();
    b.push(chunk(1));
    b.push(chunk(2));
    b.push(chunk(3));
    expect(text(await pending)).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
  });

  it('ends after the chunks already queued, and a waiting reader is told it ended', async () => {
    const { body: b } = body();
    b.push(chunk(1));
    b.end();
    expect(text(await b.next())).toBe('data: 1\n\n');
    expect(await b.next()).toEqual({ value: undefined, done: true });
    const { body: idle } = body();
    const waiting = idle.next();
    idle.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it("fails after the chunks already queued, with the transport's error; a waiting reader is rejected", async () => {
    const { body: b } = body();
    const cut = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    b.push(chunk(1));
    b.fail(cut);
    expect(text(await b.next())).toBe('data: 1\n\n');
    await expect(b.next()).rejects.toBe(cut);
    const { body: idle } = body();
    const waiting = idle.next();
    idle.fail(cut);
    await expect(waiting).rejects.toBe(cut);
    // An error after the end is not the body's: it ended whole.
    const { body: whole } = body();
    whole.end();
    whole.fail(cut);
    expect(await whole.next()).toEqual({ value: undefined, done: true });
  });

  it('a reader that leaves early aborts the request, drops what is queued, and reads nothing more', async () => {
    const { body: b, c } = body();
    b.push(chunk(1));
    b.push(chunk(2));
    for await (const read of b) {
      expect(read.toString()).toBe('data: 1\n\ndata: 2\n\n');
      b.push(chunk(3));
      break;
    }
    expect(c.aborted).toBe(true);
    expect(c.reason?.message).toMatch(/not read to its end/);
    expect(await b.next()).toEqual({ value: undefined, done: true });
  });

  it('a reader that leaves after the end, or after a failure, aborts nothing', async () => {
    for (const finish of [(b: ResponseBody) => b.end(), (b: ResponseBody) => b.fail(new Error('reset'))]) {
      const { body: b, c } = body();
      b.push(chunk(1));
      finish(b);
      await b.next();
      await b.return();
      expect(c.aborted).toBe(false);
    }
  });
});

/** FakeDispatcher hands the handler to the test, which plays the transport's part. */
function fakeDispatcher() {
  const calls: { opts: Dispatcher.DispatchOptions; handler: Dispatcher.DispatchHandler }[] = [];
  const dispatcher = {
    dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      calls.push({ opts, handler });
      return true;
    },
  } as unknown as Dispatcher;
  return { dispatcher, calls };
}

const OPTS = { origin: 'http://127.0.0.1:1', path: '/v1/chat/completions', method: 'POST' as const, headers: {}, body: '{}' };
const ctl = (c: FakeController) => c as unknown as Dispatcher.DispatchController;

describe('dispatchRequest', () => {
  it('resolves on the first final status (1xx skipped), then the body follows', async () => {
    const { dispatcher, calls } = fakeDispatcher();
    const c = new FakeController();
    const res = dispatchRequest(dispatcher, OPTS, new Cancel());
    const h = calls[0]!.handler;
    expect(calls[0]!.opts).toMatchObject({ origin: OPTS.origin, path: OPTS.path, method: 'POST', body: '{}' });
    h.onRequestStart?.(ctl(c), {});
    h.onResponseStart?.(ctl(c), 100, {}, 'Continue');
    h.onResponseStart?.(ctl(c), 200, { 'content-type': 'text/event-stream' }, 'OK');
    const r = await res;
    expect(r).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
    h.onResponseData?.(ctl(c), chunk(1));
    h.onResponseEnd?.(ctl(c), {});
    const reads: string[] = [];
    for await (const read of r.body) reads.push(read.toString());
    expect(reads).toEqual(['data: 1\n\n']);
  });

  it("rejects with the transport's error when it fails before a response; after, the body fails with it", async () => {
    const { dispatcher, calls } = fakeDispatcher();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const early = dispatchRequest(dispatcher, OPTS, new Cancel());
    calls[0]!.handler.onResponseError?.(ctl(new FakeController()), refused);
    await expect(early).rejects.toBe(refused);

    const late = dispatchRequest(dispatcher, OPTS, new Cancel());
    const h = calls[1]!.handler;
    const c = new FakeController();
    h.onResponseStart?.(ctl(c), 200, {}, 'OK');
    const { body: b } = await late;
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    h.onResponseError?.(ctl(c), reset);
    await expect(b.next()).rejects.toBe(reset);
  });

  it('a Cancel aborts the request before it is sent, when it reaches a socket, and in flight', async () => {
    const { dispatcher, calls } = fakeDispatcher();
    const before = new Cancel();
    before.abort();
    await expect(dispatchRequest(dispatcher, OPTS, before)).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toHaveLength(0);

    // Cancelled while queued for a connection: the abort lands when undici hands over the controller.
    const queued = new Cancel();
    void dispatchRequest(dispatcher, OPTS, queued).catch(() => {});
    queued.abort();
    const c1 = new FakeController();
    calls[0]!.handler.onRequestStart?.(ctl(c1), {});
    expect(c1.reason).toMatchObject({ name: 'AbortError' });

    const inFlight = new Cancel();
    void dispatchRequest(dispatcher, OPTS, inFlight).catch(() => {});
    const c2 = new FakeController();
    calls[1]!.handler.onRequestStart?.(ctl(c2), {});
    expect(c2.aborted).toBe(false);
    inFlight.abort();
    expect(c2.reason).toMatchObject({ name: 'AbortError' });
  });

  it('once the request is over, a Cancel no longer reaches it', async () => {
    const { dispatcher, calls } = fakeDispatcher();
    const cancel = new Cancel();
    const res = dispatchRequest(dispatcher, OPTS, cancel);
    const c = new FakeController();
    const h = calls[0]!.handler;
    h.onRequestStart?.(ctl(c), {});
    h.onResponseStart?.(ctl(c), 200, {}, 'OK');
    h.onResponseEnd?.(ctl(c), {});
    await res;
    cancel.abort();
    expect(c.aborted).toBe(false);
  });
});

describe('dispatchRequest over a real connection', () => {
  let server: Server;
  let origin = '';
  afterAll(() => new Promise((r) => server?.close(r)));

  it('a reader that leaves an endless stream early frees its connection for the next request', async () => {
    server = createServer((req, res) => {
      if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const tick = setInterval(() => res.write('data: {}\n\n'), 5);
        res.on('close', () => clearInterval(tick));
      } else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // One connection: the second request can only be served once the first has let go of it.
    const agent = new Agent({ connections: 1 });
    try {
      const endless = await dispatchRequest(agent, { origin, path: '/endless', method: 'GET', headers: {} }, new Cancel());
      for await (const read of endless.body) {
        expect(read.toString()).toMatch(/^data: \{\}/);
        break;
      }
      const next = await dispatchRequest(agent, { origin, path: '/next', method: 'GET', headers: {} }, new Cancel());
      const reads: string[] = [];
      for await (const read of next.body) reads.push(read.toString());
      expect([next.statusCode, reads.join('')]).toEqual([200, 'ok']);
    } finally {
      await agent.destroy();
    }
  });
});
