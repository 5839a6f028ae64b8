import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { SseEvent, StreamDecoder } from './sse.js';

// An eventstream frame's prelude (total length, headers length, prelude CRC) and its closing message CRC.
const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
/** MAX_FRAME_BYTES bounds one frame: Bedrock's are a few hundred bytes; a hostile length would cost memory (1 MiB, as an SSE event). */
export const MAX_FRAME_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * EventStreamDecoder reads `application/vnd.amazon.eventstream` (Bedrock's ConverseStream and InvokeModelWithResponseStream):
 * length-prefixed binary frames, each decoded and checked (both CRCs) by the AWS codec, @smithy/eventstream-codec. Each
 * frame becomes one event:
 * - an `event` frame: its `:event-type` as the event's name, its payload (JSON) as the data; a `chunk` frame (InvokeModel)
 *   carries the model's own event base64-encoded in `bytes`, and that event is the data;
 * - an `exception` frame (throttlingException, modelStreamErrorException…) or an `error` frame: an `error` event in
 *   Anthropic's error shape, {"type":"error","error":{"type","message"}}, which every adapter reads as the server's
 *   error in the stream.
 * Frames are split here, as the SDK splits them before its codec: the codec decodes whole frames only.
 */
export class EventStreamDecoder implements StreamDecoder {
  broken = '';
  private rest: Buffer = EMPTY;
  private static readonly codec = new EventStreamCodec(toUtf8, fromUtf8);

  push(chunk: Uint8Array): SseEvent[] {
    if (this.broken) return [];
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const buf = this.rest.length ? Buffer.concat([this.rest, bytes]) : bytes;
    const out: SseEvent[] = [];
    let off = 0;
    while (buf.length - off >= PRELUDE_BYTES) {
      const total = buf.readUInt32BE(off);
      if (total < PRELUDE_BYTES + CRC_BYTES || total > MAX_FRAME_BYTES) {
        this.broken =
          total > MAX_FRAME_BYTES
            ? `an eventstream frame of ${total} bytes, over ${MAX_FRAME_BYTES}`
            : `an eventstream frame of ${total} bytes`;
        return out;
      }
      if (buf.length - off < total) break;
      const ev = this.decode(buf.subarray(off, off + total));
      if (!ev) return out;
      out.push(ev);
      off += total;
    }
    // What is left is the start of the next frame: copied, so the chunk it came in can go.
    this.rest = off === buf.length ? EMPTY : Buffer.from(buf.subarray(off));
    return out;
  }

  end(): SseEvent[] {
    // A frame left half-read is a stream cut short: the caller sees no end of message and says so.
    return [];
  }

  private decode(frame: Buffer): SseEvent | null {
    let message: ReturnType<EventStreamCodec['decode']>;
    try {
      message = EventStreamDecoder.codec.decode(frame);
    } catch (err) {
      this.broken = `an eventstream frame that does not decode (${err instanceof Error ? err.message : String(err)})`;
      return null;
    }
    const h = message.headers;
    const header = (name: string) => {
      const v = h[name];
      return v && v.type === 'string' ? v.value : '';
    };
    const data = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.length).toString('utf8');
    const kind = header(':message-type') || 'event';
    if (kind === 'event') {
      const event = header(':event-type');
      return { event, data: event === 'chunk' ? chunkBytes(data) : data, id: '' };
    }
    const type = kind === 'exception' ? header(':exception-type') : header(':error-code') || 'error';
    const text = kind === 'exception' ? messageOf(data) : header(':error-message');
    return { event: 'error', data: JSON.stringify({ type: 'error', error: { type, message: text } }), id: '' };
  }
}

// The model's event a `chunk` frame carries, base64 in {"bytes": …}; the payload itself when it carries none.
function chunkBytes(data: string): string {
  try {
    const obj = JSON.parse(data) as { bytes?: unknown };
    if (typeof obj.bytes === 'string') return Buffer.from(obj.bytes, 'base64').toString('utf8');
  } catch {
    // not JSON: the adapter says so
  }
  return data;
}

// An exception frame's message: its payload's {"message"} (or "Message"), else the payload.
function messageOf(data: string): string {
  try {
    const obj = JSON.parse(data) as { message?: unknown; Message?: unknown };
    const m = obj.message ?? obj.Message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: quoted as it came
  }
  return data;
}
