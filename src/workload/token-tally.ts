import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isSpace, MAX_RUN, type Tokenizer } from './tokenizer.js';

// Counted here: a reply is counted as it arrives once its pending text reaches this length, so
// no single delta costs the event loop more than a few milliseconds (2 KB of base64, the
// costliest text to count, takes ~2.5 ms).
const FLUSH_AT = 2048;
// A delta larger than this is counted in steps that yield to the event loop between them.
const YIELD_ABOVE = 2048;
// Counted on the counting thread: pending text is sent in pieces of about this length; what is
// left at the end is counted here when it is this short (the thread's round trip would cost more).
const SEND_AT = 16 * 1024;
const COUNT_HERE_UP_TO = 2048;

/** CountElsewhere counts a piece of text on another thread (count-worker-host.ts). */
export type CountElsewhere = (text: string) => Promise<number>;

/**
 * TokenTally counts a streamed reply as it arrives, in bounded steps: the count is ready when the
 * stream ends, memory holds only the uncounted tail, and no delta — however large or however
 * many — holds the event loop for more than a few milliseconds. With `elsewhere`, all but a short
 * reply's text is counted on another thread, and the reading thread only cuts it into pieces.
 * The sum equals counting the whole text (the cuts fall where the encoder's pre-tokenizer cuts),
 * but for runs without a word boundary longer than MAX_RUN characters.
 */
export class TokenTally {
  private pending = '';
  private total = 0;
  private sent: Promise<number>[] = [];

  constructor(
    private readonly tok: Tokenizer,
    private readonly elsewhere: CountElsewhere | null = null,
  ) {}

  /** push adds a delta; large ones should go through pushAsync. */
  push(text: string): void {
    this.pending += text;
    if (this.pending.length >= (this.elsewhere ? SEND_AT : FLUSH_AT)) this.flush();
  }

  /** pushAsync adds a delta of any size, yielding to the event loop between steps of the count. */
  async pushAsync(text: string): Promise<void> {
    if (this.elsewhere || text.length <= YIELD_ABOVE) return this.push(text);
    for (let at = 0; at < text.length; at += YIELD_ABOVE) {
      this.push(text.slice(at, at + YIELD_ABOVE));
      await yieldToLoop();
    }
  }

  /** finish counts what is pending and returns the reply's token count. */
  async finish(): Promise<number> {
    const rest = this.pending;
    this.pending = '';
    if (this.elsewhere && rest.length > COUNT_HERE_UP_TO) this.sent.push(this.elsewhere(rest));
    else this.total += this.tok.count(rest);
    if (this.sent.length) {
      const counts = await Promise.all(this.sent);
      this.sent = [];
      for (const n of counts) this.total += n;
    }
    return this.total;
  }

  // Count the pending text up to its last word boundary (or all of it but the last MAX_RUN
  // characters of a run without one), keeping the rest: the next delta may continue its word.
  private flush(): void {
    const p = this.pending;
    let cut = p.lastIndexOf(' ');
    while (cut > 0 && (cut + 1 >= p.length || isSpace(p.charCodeAt(cut + 1)))) cut = p.lastIndexOf(' ', cut - 1);
    if (cut <= 0) cut = Math.max(0, p.length - MAX_RUN);
    if (cut === 0) return;
    const piece = p.slice(0, cut);
    if (this.elsewhere) this.sent.push(this.elsewhere(piece));
    else this.total += this.tok.count(piece);
    this.pending = p.slice(cut);
  }
}
