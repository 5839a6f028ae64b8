import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from '../../src/client/sse.js';

const utf8 = new TextEncoder();

function ev(data: string, event = 'message', id = ''): SseEvent {
  return { event, data, id };
}

/** decode runs a fresh decoder over the chunks and returns every event from push() and end(). */
function decode(chunks: Uint8Array[]): SseEvent[] {
  const d = new SseDecoder();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.end());
  return out;
}

const openAiChunk = (content: string) =>
  `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}`;
const streamError = '{"error":{"message":"overloaded","type":"server_error","code":503}}';

const cases: { name: string; stream: string; events: SseEvent[] }[] = [
  { name: 'single event', stream: 'data: hello\n\n', events: [ev('hello')] },
  { name: 'several events', stream: 'data: a\n\ndata: b\n\ndata: c\n\n', events: [ev('a'), ev('b'), ev('c')] },
  { name: 'CRLF line ends', stream: 'data: a\r\n\r\ndata: b\r\n\r\n', events: [ev('a'), ev('b')] },
  { name: 'bare CR line ends', stream: 'data: a\r\rdata: b\r\r', events: [ev('a'), ev('b')] },
  // LF CR is two line ends, not one: the CR after the LF is the blank line that dispatches.
  { name: 'mixed line ends', stream: 'data: a\r\ndata: b\rdata: c\n\rdata: d\n\n', events: [ev('a\nb\nc'), ev('d')] },
  {
    name: 'comments and keep-alives',
    stream: ': ping\n\ndata: a\n: keep-alive inside an event\n\n:\n\n: ping\r\n\r\n',
    events: [ev('a')],
  },
  { name: 'multi-line data joined with LF', stream: 'data: one\ndata: two\ndata: three\n\n', events: [ev('one\ntwo\nthree')] },
  { name: 'no space after colon', stream: 'data:x\n\n', events: [ev('x')] },
  { name: 'only one leading space stripped', stream: 'data:  x \n\n', events: [ev(' x ')] },
  { name: 'colons inside the value kept', stream: 'data: a:b: c\n\n', events: [ev('a:b: c')] },
  { name: 'empty data line dispatches empty data', stream: 'data:\n\ndata\n\n', events: [ev(''), ev('')] },
  { name: 'empty data line inside multi-line data', stream: 'data: a\ndata:\ndata: b\n\n', events: [ev('a\n\nb')] },
  {
    name: 'event field, reset after dispatch',
    stream: 'event: ping\ndata: {}\n\ndata: after\n\nevent:\ndata: empty type\n\n',
    events: [ev('{}', 'ping'), ev('after'), ev('empty type')],
  },
  {
    name: 'id field persists across events',
    stream: 'id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n',
    events: [ev('a', 'message', '1'), ev('b', 'message', '1'), ev('c', 'message', '2'), ev('d', 'message', '')],
  },
  {
    name: 'id containing NUL ignored',
    stream: 'id: 7\ndata: a\n\nid: x\u0000y\ndata: b\n\n',
    events: [ev('a', 'message', '7'), ev('b', 'message', '7')],
  },
  { name: 'retry ignored', stream: 'retry: 3000\ndata: a\n\nretry\n\n', events: [ev('a')] },
  {
    name: 'unknown fields ignored (names are case-sensitive)',
    stream: 'foo: bar\nDATA: x\ndata : y\nEvent: z\ndata: a\n\n',
    events: [ev('a')],
  },
  { name: 'blank events with no data not dispatched', stream: '\n\n\nevent: x\n\nid: 3\n\nretry: 1\n\n', events: [] },
  { name: 'empty stream', stream: '', events: [] },
  {
    name: 'OpenAI chunks ending in [DONE]',
    stream: `data: ${openAiChunk('Hel')}\n\ndata: ${openAiChunk('lo')}\n\ndata: [DONE]\n\n`,
    events: [ev(openAiChunk('Hel')), ev(openAiChunk('lo')), ev('[DONE]')],
  },
  {
    name: 'error object mid-stream',
    stream: `data: ${openAiChunk('a')}\n\ndata: ${streamError}\n\n`,
    events: [ev(openAiChunk('a')), ev(streamError)],
  },
  {
    name: 'multi-byte UTF-8',
    stream: `data: héllo 世界 🚀\n\ndata: ${openAiChunk('é世🚀')}\r\n\r\n`,
    events: [ev('héllo 世界 🚀'), ev(openAiChunk('é世🚀'))],
  },
  // TextDecoder strips a leading BOM, as the event-stream spec asks.
  { name: 'leading BOM', stream: '\uFEFFdata: a\n\n', events: [ev('a')] },
  // Lenient end(): a server closing right after its last line still delivers that event.
  { name: 'no trailing blank line', stream: 'data: a\n\ndata: [DONE]\n', events: [ev('a'), ev('[DONE]')] },
  { name: 'no trailing line end at all', stream: 'data: a\n\ndata: [DONE]', events: [ev('a'), ev('[DONE]')] },
  { name: 'stream ending in bare CR', stream: 'data: a\r', events: [ev('a')] },
];

describe.each(cases)('SseDecoder: $name', ({ stream, events }) => {
  const bytes = utf8.encode(stream);

  it('whole', () => {
    expect(decode([bytes])).toEqual(events);
  });

  it('split in two at every byte position', () => {
    for (let i = 0; i <= bytes.length; i++) {
      expect(decode([bytes.subarray(0, i), bytes.subarray(i)]), `split at byte ${i}`).toEqual(events);
    }
  });

  it('one byte at a time', () => {
    const chunks = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    expect(decode(chunks)).toEqual(events);
  });
});

describe('SseDecoder dispatches as soon as the blank line arrives', () => {
  // Each row: chunks, and the events each push() returns (end() returns the rest).
  it.each([
    { chunks: ['data: a\n', '\n'], perPush: [[], ['a']], atEnd: [] },
    { chunks: ['data: a\r', '\n', '\r\n'], perPush: [[], [], ['a']], atEnd: [] },
    // The second CR dispatches at once; the LF that follows in the next chunk is swallowed, not a new blank line.
    { chunks: ['data: a\r\n\r', '\ndata: b\n\n'], perPush: [['a'], ['b']], atEnd: [] },
    { chunks: ['data: a\n\ndata: b\n'], perPush: [['a']], atEnd: ['b'] },
  ])('$chunks', ({ chunks, perPush, atEnd }) => {
    const d = new SseDecoder();
    chunks.forEach((c, i) => {
      expect(
        d.push(utf8.encode(c)).map((e) => e.data),
        `push ${i}`,
      ).toEqual(perPush[i]);
    });
    expect(d.end().map((e) => e.data)).toEqual(atEnd);
  });
});
