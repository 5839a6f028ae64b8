import type { Endpoint } from '../client/chat-client.js';
import type { Transport } from '../client/transport.js';

/** healthCheck asks GET <baseUrl>/models; true when it answers 200 within the timeout. Never throws. */
export async function healthCheck(ep: Endpoint, transport: Transport, timeoutMs: number): Promise<boolean> {
  const url = new URL(ep.baseUrl.replace(/\/+$/, '') + '/models');
  let lease;
  try {
    lease = transport.lease(url.origin);
    const res = await lease.dispatcher.request({
      origin: url.origin,
      path: url.pathname,
      method: 'GET',
      headers: { accept: 'application/json', ...ep.headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  } finally {
    lease?.release();
  }
}
