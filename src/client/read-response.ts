import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../metrics/clock.js';
import type { AttemptResult } from '../metrics/request-result.js';
import type { ErrorKind } from '../scenario/error-kinds.js';
import { countOffThread, offThreadCounting } from '../workload/count-worker-host.js';
import { TokenTally } from '../workload/token-tally.js';
import type { Tokenizer } from '../workload/tokenizer.js';
import { oneLine } from './error-kind.js';
import type { ProtocolAdapter, StreamState } from './protocol.js';
import { SseDecoder, type SseEvent, type StreamDecoder } from './sse.js';

// The longest one request's reading holds the event loop before it lets others run, ms.
const HOLD_MS = 2;
// A read that took longer than this waited on the socket (a buffered chunk comes in microseconds).
const WAITED_MS = 0.5;
// Enough of a body to tell an HTML page, a JSON error or a gzip stream apart, and quote it.
const HEAD_BYTES = 64 * 1024;
/** KEEP_REPLY_CHARS is how much of a reply is kept for the next turn of a conversation; the rest is counted as it arrives and let go. */
export const KEEP_REPLY_CHARS = 64 * 1024;
/** MAX_COMPLETION_BYTES bounds a non-streamed body: no chat completion comes near it; a hostile one would cost memory and a long parse. */
export const MAX_COMPLETION_BYTES = 4 * 1024 * 1024;
// Past this length a reply the server reported usage for is not counted locally too: the
// discrepancy check needs ordinary replies, and counting a megabyte of base64 costs a second of CPU.
const CHECK_UP_TO_CHARS = 64 * 1024;
/**
 * A reply the server reported usage for is also counted locally (the discrepancy check) for each
 * client's first CHECK_FIRST replies, then one in CHECK_EVERY: enough to see a tokenizer or
 * billing disagreement, without re-tokenising every reply of a long run (the count of a 64-token
 * reply costs more than reading it).
 */
export const CHECK_FIRST = 100;
export const CHECK_EVERY = 10;

/**
 * Exchange is one request's state while its response is read: the result being filled in, what
 * the protocol adapter learnt (finish reason, usage), the text received, and the first failure.
 * Later failures never replace the first: it is the cause, the rest are consequences.
 */
export class Exchange {
  readonly state: StreamState = { finishReason: '', usage: null, serverLatencyMs: null };
  /** The reply's content and reasoning (see add: counted only when needed). */
  readonly content: ReplyPart;
  readonly reasoning: ReplyPart;
  failure: { kind: ErrorKind; message: string } | null = null;
  /** Whether a reply with server usage is counted locally too (the sampled discrepancy check). */
  checkUsage = true;
  /** Body bytes received, and SSE events decoded from them. */
  bytes = 0;
  events = 0;
  /** The body's first bytes, kept until it proves to be an event stream: to say what arrived when it is not. */
  head: Buffer[] = [];
  private headBytes = 0;
  /** Response headers that say what the body is. */
  contentType = '';
  contentEncoding = '';

  constructor(
    readonly r: AttemptResult,
    tok: Tokenizer,
  ) {
    // Large replies are counted on the counting thread, so counting them never delays reading others.
    const elsewhere = offThreadCounting() ? (text: string) => countOffThread(tok.encoding, text) : null;
    this.content = new ReplyPart(new TokenTally(tok, elsewhere));
    this.reasoning = new ReplyPart(new TokenTally(tok, elsewhere));
  }

  /** text is the reply's content as kept for the next turn. */
  get text(): string {
    return this.content.kept;
  }

  /**
   * add takes a content or reasoning delta. While the reply fits in what is kept (KEEP_REPLY_CHARS), it
   * is only kept: the count, when one is needed (no usage from the server, or the sampled check), is
   * taken from the kept text once the reply is over (`counted`). A longer reply is counted as it
   * comes from then on, in bounded steps (the promise), its kept head first. Runs for every token.
   */
  add(part: ReplyPart, t: string): Promise<void> | undefined {
    if (!this.tallying && part.chars + t.length <= KEEP_REPLY_CHARS) {
      part.keep(t);
      return undefined;
    }
    return this.tally(part, t);
  }

  /** counted is the reply's local token count, reasoning included (counting the kept text now, if it was not counted as it came). */
  async counted(): Promise<number> {
    if (!this.tallying) await this.startTallying();
    return (await this.content.tally.finish()) + (await this.reasoning.tally.finish());
  }

  // From here on every delta is counted as it arrives; what was kept so far (the whole reply so
  // far: neither part has passed the cap yet) is counted first.
  private tallying = false;
  private async startTallying(): Promise<void> {
    this.tallying = true;
    await this.content.tally.pushAsync(this.content.kept);
    await this.reasoning.tally.pushAsync(this.reasoning.kept);
  }

  private async tally(part: ReplyPart, t: string): Promise<void> {
    if (!this.tallying) await this.startTallying();
    part.keep(t);
    await part.tally.pushAsync(t);
  }

  /** took notes one read of the body. */
  took(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    if (this.events === 0 && this.headBytes < HEAD_BYTES) {
      const part = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, HEAD_BYTES - this.headBytes));
      this.head.push(Buffer.from(part));
      this.headBytes += part.length;
    }
  }

  /** deltas is how far a stream got: its token deltas, for messages. */
  get deltas(): number {
    return this.r.contentDeltas + this.r.reasoningDeltas;
  }

  fail(kind: ErrorKind, message: string): void {
    this.failure ??= { kind, message };
  }
}

/** ReplyPart is one part of a reply (content or reasoning): its first KEEP_REPLY_CHARS kept, its length, its count. */
export class ReplyPart {
  kept = '';
  chars = 0;
  constructor(readonly tally: TokenTally) {}

  /** keep notes a delta: its length, and its text while the kept part has room. */
  keep(t: string): void {
    if (this.chars < KEEP_REPLY_CHARS)
      this.kept += t.length + this.chars <= KEEP_REPLY_CHARS ? t : t.slice(0, KEEP_REPLY_CHARS - this.chars);
    this.chars += t.length;
  }
}

/**
 * readStream reads an SSE body into the exchange as it arrives: TTFT at the first token
 * (reasoning or content), the gaps between tokens as ITL, TTFC at the first content token, and
 * the text. Events that came in one socket read share its timestamp: a token read together with
 * the one before it has no gap of its own, and is counted as coalesced rather than recorded as 0. `onFirstToken` clears
 * the first-token deadline; `abort` ends the request on an error
 * event. A stream that ends without a finish reason or [DONE] was cut short.
 */
export async function readStream(
  body: AsyncIterable<unknown>,
  adapter: ProtocolAdapter,
  x: Exchange,
  clock: Clock,
  onFirstToken: () => void,
  abort: () => void,
  decoder: StreamDecoder = new SseDecoder(),
): Promise<void> {
  const { r, state } = x;
  let done = false;
  let lastDeltaAt = 0;
  // The read the last token came in: a token in the same read has no gap of its own to time.
  let read = 0;
  let lastDeltaRead = -1;
  // A stream already buffered is handed over in microtasks, which never give the event loop a
  // turn: a fast server's 100,000 events would hold it for seconds. So a request that has held
  // the loop for HOLD_MS yields, and every other request (and timer) gets its turn.
  let heldSince = performance.now();
  // (Checked inline before each `await share()`: an async call per event would make a promise per
  // token even when there is nothing to wait for.)
  const holding = () => performance.now() - heldSince >= HOLD_MS;
  const share = async () => {
    await yieldToLoop();
    heldSince = performance.now();
  };
  // onEvents takes one read's events, all stamped with the time of the read; false: stop reading.
  const onEvents = async (events: SseEvent[], at: number): Promise<boolean> => {
    x.events += events.length;
    for (const ev of events) {
      // Every event: one may carry 2 KB of text to count (a few ms), so 64 of them held the loop 80 ms.
      if (holding()) await share();
      const step = adapter.onEvent(ev, state);
      if (step.type === 'content' || step.type === 'reasoning') {
        // TTFT and ITL count every token, reasoning included; TTFC waits for content.
        if (r.firstTokenAtMs === null) {
          r.firstTokenAtMs = at;
          onFirstToken();
        } else if (lastDeltaRead === read) r.coalescedGaps++;
        else r.itlMs.push(at - lastDeltaAt);
        lastDeltaAt = at;
        lastDeltaRead = read;
        if (step.type === 'content') {
          r.firstContentAtMs ??= at;
          r.contentDeltas++;
        } else r.reasoningDeltas++;
        const counting = x.add(step.type === 'content' ? x.content : x.reasoning, step.text);
        if (counting) await counting;
      } else if (step.type === 'done') {
        done = true;
      } else if (step.type === 'error') {
        x.fail(step.kind, step.message);
        return false;
      }
    }
    if (decoder.broken) {
      // An SSE event over 1 MiB of characters (sse.ts), an eventstream frame too large or corrupt (eventstream.ts).
      x.fail('bad_stream', `${decoder.broken} after ${plural(x.deltas, 'delta')} (${size(x.bytes)} so far): not a chat-completion stream`);
      return false;
    }
    return true;
  };
  let askedAt = performance.now();
  for await (const chunk of body) {
    // A read that had to wait for the socket began in a new turn of the event loop: the hold
    // starts over. (Counted from the last yield instead, every token after a pause between
    // tokens yielded at once, a needless extra turn — tens of ms on a busy loop — per token.)
    const gotAt = performance.now();
    if (gotAt - askedAt > WAITED_MS) heldSince = gotAt;
    const bytes = chunk as Uint8Array;
    x.took(bytes);
    read++;
    if (!(await onEvents(decoder.push(bytes), clock.now()))) {
      abort();
      break;
    }
    if (holding()) await share();
    askedAt = performance.now();
  }
  // An event the stream's end completed came in the last read.
  if (!x.failure) await onEvents(decoder.end(), clock.now());
  if (x.failure || done || state.finishReason) return;
  if (x.events === 0) whatArrived(x, adapter);
  else x.fail('stream_cut', `stream ended after ${plural(x.deltas, 'delta')} (${size(x.bytes)}) without finish_reason or [DONE]`);
}

/**
 * whatArrived names a 2xx body that was not an event stream at all: a provider's JSON error
 * (stream_error, with its message), a whole JSON completion, an HTML page, a compressed body, or
 * nothing — saying what came, how big, and the start of it.
 */
export function whatArrived(x: Exchange, adapter: ProtocolAdapter): void {
  const status = x.r.status;
  if (x.bytes === 0) return x.fail('stream_cut', `stream ended before any event (status ${status}, empty body)`);
  const head = Buffer.concat(x.head);
  const what = `status ${status}, ${size(x.bytes)}`;
  if (/gzip|br|deflate|zstd/i.test(x.contentEncoding) || (head[0] === 0x1f && head[1] === 0x8b))
    return x.fail(
      'bad_stream',
      `${x.contentEncoding || 'gzip'}-encoded body, ${what} (content-encoding: ${x.contentEncoding || 'none declared'}); ` +
        'the client asks for an uncompressed event stream',
    );
  const text = head.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      obj = undefined;
    }
    if (obj && typeof obj === 'object' && ('error' in obj || (obj as { type?: unknown }).type === 'error'))
      return x.fail('stream_error', `provider error with ${what}: ${oneLine(adapter.errorMessage(text))}`);
    if (obj)
      return x.fail(
        'bad_stream',
        `a JSON body, not an event stream (${what}, content-type: ${x.contentType || 'none'}): ${oneLine(text, 80)}`,
      );
  }
  if (/^<(!doctype|html|head|body)/i.test(trimmed)) {
    return x.fail('bad_stream', `HTML page, ${what}: "${htmlTitle(text)}"`);
  }
  x.fail('bad_stream', `not an event stream (${what}, content-type: ${x.contentType || 'none'}): ${oneLine(text, 80)}`);
}

/**
 * htmlTitle says what an HTML page is, on one line: its title (a gateway's "502 Bad Gateway", a login page), else its
 * text without the markup.
 */
export function htmlTitle(page: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(page)?.[1]?.trim() || page.replace(/<[^>]*>/g, ' ');
  return oneLine(title, 80);
}

/** plural words a count of things: "1 delta", "5 deltas". */
export function plural(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? '' : 's'}`;
}

/** size words a byte count for a message: "812 B", "1.2 KB", "10.0 MB". */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * readCompletion reads a whole non-streamed body. Its first token is seen only when the whole
 * body is, so TTFT = E2E for a non-streamed request.
 */
export async function readCompletion(
  body: AsyncIterable<unknown>,
  adapter: ProtocolAdapter,
  x: Exchange,
  clock: Clock,
  onFirstToken: () => void,
  abort: () => void,
): Promise<void> {
  const parts: Buffer[] = [];
  for await (const chunk of body) {
    const bytes = chunk as Uint8Array;
    x.took(bytes);
    if (x.bytes > MAX_COMPLETION_BYTES) {
      x.fail('bad_stream', `a completion body over ${size(MAX_COMPLETION_BYTES)}: not a chat completion`);
      abort();
      return;
    }
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }
  const raw = Buffer.concat(parts).toString('utf8');
  const at = clock.now();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    whatArrived(x, adapter);
    return;
  }
  const out = adapter.parseCompletion(parsed, x.state);
  if ('error' in out) {
    x.fail('stream_error', out.error);
    return;
  }
  await x.add(x.content, out.text);
  if (out.text.length > 0) {
    x.r.firstTokenAtMs = at;
    onFirstToken();
    x.r.firstContentAtMs = at;
    x.r.contentDeltas = 1;
  }
}

/**
 * settleTokens fills in the result's finish reason and token counts once the response is over:
 * the server's usage when it sent one (and, for a successful reply, our own count of the text
 * beside it, so the report can show how far they disagree), else our tokenizer's count. Reasoning
 * tokens are output tokens too: servers bill and count them so. A reply without a content token
 * is an empty_response.
 */
export async function settleTokens(x: Exchange): Promise<void> {
  const { r, state } = x;
  if (!x.failure && r.firstContentAtMs === null)
    x.fail('empty_response', r.reasoningDeltas ? 'completed with reasoning but no content token' : 'completed without any content token');
  r.finishReason = state.finishReason;
  r.serverLatencyMs = state.serverLatencyMs;
  const counted = () => x.counted();
  if (state.usage) {
    r.inputTokens = state.usage.inputTokens;
    r.outputTokens = state.usage.outputTokens;
    r.cachedInputTokens = state.usage.cachedInputTokens ?? 0;
    r.cacheWriteInputTokens = state.usage.cacheWriteInputTokens ?? 0;
    r.cacheWrite1hInputTokens = state.usage.cacheWrite1hInputTokens ?? 0;
    r.tokenSource = 'usage';
    // Our own count beside the server's, for an ordinary successful reply: how far they disagree.
    if (!x.failure && x.checkUsage && x.content.chars + x.reasoning.chars <= CHECK_UP_TO_CHARS) r.outputTokensCounted = await counted();
  } else {
    r.outputTokens = await counted();
  }
}
