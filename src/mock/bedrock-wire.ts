import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

// What Amazon Bedrock puts on the wire, apart from what it says: AWS event-stream frames (the binary framing of
// ConverseStream and InvokeModelWithResponseStream), the padding it adds to each event, and its error responses.

// One codec for the whole process: encoding keeps no state between frames (only decoding buffers), so every server's
// every response shares it rather than building a header marshaller per event.
const codec = new EventStreamCodec(toUtf8, fromUtf8);

const str = (value: string) => ({ type: 'string' as const, value });
const JSON_TYPE = str('application/json');
const EVENT = str('event');
const EXCEPTION = str('exception');
// An event's headers differ only in their event type: made once per type, not per frame.
const eventHeaders = new Map<string, MessageHeaders>();

/** eventFrame encodes one event-stream event: `:event-type` `eventType`, a JSON payload given as its text. */
export function eventFrame(eventType: string, payload: string): Uint8Array {
  let headers = eventHeaders.get(eventType);
  if (!headers) {
    headers = { ':event-type': str(eventType), ':content-type': JSON_TYPE, ':message-type': EVENT };
    eventHeaders.set(eventType, headers);
  }
  return codec.encode({ headers, body: fromUtf8(payload) });
}

/**
 * exceptionFrame encodes a modelled exception in the stream, as Bedrock reports a failure after its 200
 * (`:exception-type` in the SDK's camel case: modelStreamErrorException, throttlingException, internalServerException…).
 */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  const headers = { ':exception-type': str(exceptionType), ':content-type': JSON_TYPE, ':message-type': EXCEPTION };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ message })) });
}

const PAD_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * padding is the `p` field Bedrock adds to each streamed event so that a frame's size does not tell its content's
 * length: a prefix of the alphabet whose length varies from event to event (here with `k`, the event's number).
 */
export function padding(k: number): string {
  return PAD_LETTERS.slice(0, 1 + ((k * 17 + 5) % 48));
}

/** ERROR_TYPE_SUFFIX follows an exception's name in Bedrock's x-amzn-errortype header. */
export const ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.bedrock/';

/**
 * bedrockError answers with an AWS JSON error: the exception's name in x-amzn-errortype (which the AWS SDKs read to
 * pick the exception class), a request id, and `{"message": …}`.
 */
export function bedrockError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
  suffix = ERROR_TYPE_SUFFIX,
): void {
  const text = JSON.stringify({ message });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': `${type}${suffix}`,
  });
  res.end(text);
}
