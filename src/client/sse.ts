// TextDecoder's options, made once rather than per chunk.
const STREAM = { stream: true } as const;

/** SseEvent is one dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field, or "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last `id:` seen on the stream ('' if none). */
  id: string;
}

/**
 * StreamDecoder turns a streamed body's bytes into events, incrementally: Server-Sent Events (sse.ts), or AWS
 * eventstream frames (Bedrock) read as the same events, so a protocol adapter never sees the framing.
 */
export interface StreamDecoder {
  /** push feeds the next chunk of bytes and returns the events it completed. */
  push(chunk: Uint8Array): SseEvent[];
  /** end returns what the stream's end completed. */
  end(): SseEvent[];
  /** broken says why the decoder stopped decoding ('' while it decodes): the caller ends the stream as bad_stream. */
  readonly broken: string;
}

/**
 * SseDecoder turns a byte stream into Server-Sent Events, incrementally, following the WHATWG
 * event-stream rules: LF, CRLF and CR line ends; `:` comments (keep-alives); multi-line `data:`;
 * one optional space after the colon; events dispatched on a blank line.
 *
 * Written by hand rather than taken from a library because it sits on the hot path of every
 * streamed token, and because chunk boundaries can fall anywhere — mid-line, between CR and LF,
 * inside a multi-byte UTF-8 sequence — which TextDecoder's stream mode and the `pendingCr` flag
 * below handle without copying the buffer on every chunk.
 */
export class SseDecoder implements StreamDecoder {
  /**
   * tooLarge is set once an event (or a line) grows past maxEventChars: no chat-completion chunk
   * comes near it, and holding a hostile one would cost memory and a long parse. The decoder then
   * stops collecting; the caller ends the stream.
   */
  tooLarge = false;
  private readonly utf8 = new TextDecoder('utf-8');
  // Whether the TextDecoder holds the start of a character split across chunks, and whether the
  // first chunk (whose byte-order mark TextDecoder drops, as the spec asks) has been read.
  private splitChar = false;
  private started = false;
  private partial = '';
  private pendingCr = false;
  private data = '';
  private hasData = false;
  private eventType = '';
  private lastId = '';

  /** broken says why decoding stopped ('' while it decodes): the StreamDecoder view of tooLarge. */
  get broken(): string {
    return this.tooLarge ? 'an event larger than 1 MiB of characters' : '';
  }

  /** maxEventChars bounds one event's data (and one line); default 1 MiB of characters. */
  constructor(private readonly maxEventChars = 1024 * 1024) {}

  /** push feeds the next chunk of bytes and returns the events it completed. */
  push(chunk: Uint8Array): SseEvent[] {
    if (this.tooLarge) return [];
    return this.feed(this.text(chunk));
  }

  // text decodes a chunk. Nearly every chunk ends with an ASCII byte (an event ends with a line
  // end) and follows one that did: it is decoded natively in one call, 3–6× faster than
  // TextDecoder's stream mode. The first chunk (whose byte-order mark TextDecoder drops, as the
  // spec asks), a chunk ending in a non-ASCII byte (perhaps inside a character), and the one after
  // it go through TextDecoder, which carries split bytes over.
  private text(chunk: Uint8Array): string {
    const n = chunk.length;
    const ascii = n === 0 || chunk[n - 1]! < 0x80;
    if (this.started && !this.splitChar && ascii) return Buffer.from(chunk.buffer, chunk.byteOffset, n).toString('utf8');
    if (n > 0) this.started = true;
    this.splitChar = !ascii;
    return this.utf8.decode(chunk, STREAM);
  }

  /**
   * end flushes the decoder at end of stream. Unlike the strict spec (which discards an event
   * not followed by a blank line) it dispatches a final pending event: servers that close right
   * after `data: [DONE]\n` are common, and losing their last event would lose real data.
   */
  end(): SseEvent[] {
    const out = this.feed(this.utf8.decode());
    if (this.partial.length > 0) {
      const last = this.partial;
      this.partial = '';
      this.line(last, 0, last.length, out);
    }
    this.dispatch(out);
    return out;
  }

  private feed(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let start = 0;
    if (this.pendingCr && text.length > 0) {
      // A CR ended the previous chunk; a LF opening this one belongs to the same line end.
      if (text.charCodeAt(0) === 10) start = 1;
      this.pendingCr = false;
    }
    const n = text.length;
    // Line ends are found with indexOf (native, vectorised) rather than a loop over every
    // character: 2–3× the throughput. Nearly every stream uses LF only, so the CR search runs
    // once per chunk and finds nothing.
    let cr = text.indexOf('\r', start);
    let lf = text.indexOf('\n', start);
    while (cr !== -1 || lf !== -1) {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (this.partial.length > 0) {
        const lineText = this.partial + text.slice(start, end);
        this.partial = '';
        this.line(lineText, 0, lineText.length, out);
      } else this.line(text, start, end, out);
      start = end + 1;
      if (end === cr) {
        if (start < n) {
          if (text.charCodeAt(start) === 10) start++;
        } else {
          this.pendingCr = true;
        }
        cr = text.indexOf('\r', start);
      }
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
    }
    if (start < n) this.partial += text.slice(start);
    if (this.partial.length + this.data.length > this.maxEventChars) {
      this.tooLarge = true;
      this.partial = '';
      this.data = '';
      this.hasData = false;
    }
    return out;
  }

  // line handles the line text[start, end) — read in place: nearly every line is `data: …`,
  // and its value is the only string made from it.
  private line(text: string, start: number, end: number, out: SseEvent[]): void {
    if (start === end) {
      this.dispatch(out);
      return;
    }
    const first = text.charCodeAt(start);
    if (first === 58 /* ':' */) return; // comment / keep-alive
    if (first === 100 /* d */ && text.startsWith('data:', start)) {
      this.addData(text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end));
      return;
    }
    const line = text.slice(start, end);
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        this.addData(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields are ignored, as the spec says.
        break;
    }
  }

  private addData(value: string): void {
    this.data = this.hasData ? `${this.data}\n${value}` : value;
    if (this.data.length > this.maxEventChars) {
      this.tooLarge = true;
      this.data = '';
      this.hasData = false;
      return;
    }
    this.hasData = true;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.hasData) out.push({ event: this.eventType || 'message', data: this.data, id: this.lastId });
    this.data = '';
    this.hasData = false;
    this.eventType = '';
  }
}
