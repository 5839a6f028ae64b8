import type { Endpoint } from '../client/chat-client.js';
import { apiUrl, type Lease, type Transport } from '../client/transport.js';

/** healthCheck asks GET <baseUrl>/models; true when it answers 200 within the timeout. Never throws. */
export async function healthCheck(ep: Endpoint, transport: Transport, timeoutMs: number): Promise<boolean> {
  const url = apiUrl(ep.baseUrl, '/models');
  let lease: Lease | undefined;
  try {
    lease = transport.lease(url.origin, ep.connection);
    const res = await lease.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
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
