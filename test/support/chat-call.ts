import type { ChatCall, ClientDeps, Endpoint } from '../../src/client/chat-client.js';
import { openaiChat } from '../../src/client/openai-chat.js';
import { transport } from '../../src/client/transport.js';
import { monotonicClock } from '../../src/metrics/clock.js';
import { tokenizer } from '../../src/workload/tokenizer.js';

/** endpointAt is a test endpoint for an API root (a mock's or a stub's baseUrl). */
export function endpointAt(baseUrl: string, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    target: 't',
    region: 'local',
    provider: 'test',
    model: 'mock-model',
    baseUrl,
    headers: {},
    body: {},
    secrets: [],
    ...extra,
  };
}

/** clientDeps builds real client effects (connection pool, monotonic clock, o200k tokenizer); close the transport after. */
export function clientDeps(overrides: Partial<ClientDeps> = {}): ClientDeps {
  return {
    transport: transport({ connectTimeoutMs: 2_000 }),
    clock: monotonicClock(),
    tokenizer: tokenizer('o200k_base'),
    adapter: openaiChat,
    firstTokenTimeoutMs: 5_000,
    totalTimeoutMs: 10_000,
    ...overrides,
  };
}

let nextId = 0;

/** chatCall is one measured call scheduled now on `deps.clock`. */
export function chatCall(deps: Pick<ClientDeps, 'clock'>, extra: Partial<ChatCall> = {}): ChatCall {
  return {
    id: nextId++,
    phase: 'measure',
    workload: 'default',
    turn: 1,
    scheduledAtMs: deps.clock.now(),
    messages: [{ role: 'user', content: 'Say something.' }],
    maxTokens: 16,
    tokenLimitField: 'max_tokens',
    stream: true,
    inputTokensCounted: 3,
    ...extra,
  };
}
