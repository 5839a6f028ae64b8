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
 * SseDecoder turns a byte stream into Server-Sent Events, incrementally, following the WHATWG
 * event-stream rules: LF, CRLF and CR line ends; `:` comments (keep-alives); multi-line `data:`;
 * one optional space after the colon; events dispatched on a blank line.
 *
 * Written by hand rather than taken from a library because it sits on the hot path of every
 * streamed token, and because chunk boundaries can fall anywhere — mid-line, between CR and LF,
 * inside a multi-byte UTF-8 sequence — which TextDecoder's stream mode and the `pendingCr` flag
 * below handle without copying the buffer on every chunk.
 */
export class SseDecoder {
  /**
   * tooLarge is set once an event (or a line) grows past maxEventChars: no chat-completion chunk
   * comes near it, and holding a hostile one would cost memory and a long parse. The decoder then
   * stops collecting; the caller ends the stream.
   */
  tooLarge = false;
  private readonly utf8 = new TextDecoder('utf-8');
  private partial = '';
  private pendingCr = false;
  private data = '';
  private hasData = false;
  private eventType = '';
  private lastId = '';

  /** maxEventChars bounds one event's data (and one line); default 1 MiB of characters. */
  constructor(private readonly maxEventChars = 1024 * 1024) {}

  /** push feeds the next chunk of bytes and returns the events it completed. */
  push(chunk: Uint8Array): SseEvent[] {
    if (this.tooLarge) return [];
    return this.feed(this.utf8.decode(chunk, { stream: true }));
  }

  /**
   * end flushes the decoder at end of stream. Unlike the strict spec (which discards an event
   * not followed by a blank line) it dispatches a final pending event: servers that close right
   * after `data: [DONE]\n` are common, and losing their last event would lose real data.
   */
  end(): SseEvent[] {
    const out = this.feed(this.utf8.decode());
    if (this.partial.length > 0) {
      this.line(this.partial, out);
      this.partial = '';
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
    let i = start;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        i++;
        continue;
      }
      let lineText = text.slice(start, i);
      if (this.partial.length > 0) {
        lineText = this.partial + lineText;
        this.partial = '';
      }
      this.line(lineText, out);
      if (c === 13) {
        if (i + 1 < n) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      i++;
      start = i;
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

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return; // comment / keep-alive
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
        this.data = this.hasData ? this.data + '\n' + value : value;
        if (this.data.length > this.maxEventChars) {
          this.tooLarge = true;
          this.data = '';
          this.hasData = false;
          return;
        }
        this.hasData = true;
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

  private dispatch(out: SseEvent[]): void {
    if (this.hasData) out.push({ event: this.eventType || 'message', data: this.data, id: this.lastId });
    this.data = '';
    this.hasData = false;
    this.eventType = '';
  }
}
