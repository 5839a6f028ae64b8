import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../src/client/proxy-route.js';

// Which proxy a connection goes through: the target's own, else the environment's, NO_PROXY as
// undici's EnvHttpProxyAgent reads it.

const P = 'http://proxy.corp:3128';
const S = 'http://secure-proxy.corp:3128';

describe('proxyFor', () => {
  it.each<[string, string, string | false | undefined, Record<string, string>, string | null]>([
    ['no proxy set', 'https://api.openai.com', undefined, {}, null],
    ['HTTPS_PROXY for https', 'https://api.openai.com', undefined, { HTTPS_PROXY: S, HTTP_PROXY: P }, S],
    ['HTTP_PROXY for https when HTTPS_PROXY is unset', 'https://api.openai.com', undefined, { HTTP_PROXY: P }, P],
    ['HTTP_PROXY for http', 'http://internal.corp:8000', undefined, { HTTPS_PROXY: S, HTTP_PROXY: P }, P],
    ['lower case first', 'https://api.openai.com', undefined, { https_proxy: S, HTTPS_PROXY: P }, S],
    ['the target says false', 'https://api.openai.com', false, { HTTPS_PROXY: S }, null],
    ["the target's own wins", 'https://api.openai.com', P, { HTTPS_PROXY: S }, P],
    ['NO_PROXY exact host', 'https://api.openai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: 'api.openai.com' }, null],
    ['NO_PROXY domain suffix', 'https://api.openai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: 'openai.com' }, null],
    ['NO_PROXY leading dot', 'https://api.openai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: '.openai.com' }, null],
    ['NO_PROXY *. matches subdomains', 'https://api.openai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: '*.openai.com' }, null],
    ['NO_PROXY *. not the apex', 'https://openai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: '*.openai.com' }, S],
    ['NO_PROXY not a partial name', 'https://notopenai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: 'openai.com' }, S],
    ['NO_PROXY with a port that matches', 'https://h.corp:8443', undefined, { HTTPS_PROXY: S, NO_PROXY: 'h.corp:8443' }, null],
    ['NO_PROXY with another port', 'https://h.corp', undefined, { HTTPS_PROXY: S, NO_PROXY: 'h.corp:8443' }, S],
    ['NO_PROXY *', 'https://api.openai.com', undefined, { HTTPS_PROXY: S, NO_PROXY: '*' }, null],
    ['NO_PROXY list with spaces', 'http://127.0.0.1:9', undefined, { HTTP_PROXY: P, NO_PROXY: 'localhost, 127.0.0.1' }, null],
    ['NO_PROXY IPv6', 'http://[::1]:9', undefined, { HTTP_PROXY: P, NO_PROXY: '::1' }, null],
    ['the target own proxy ignores NO_PROXY', 'http://127.0.0.1:9', P, { NO_PROXY: '127.0.0.1' }, P],
  ])('%s', (_, origin, explicit, env, expected) => {
    expect(proxyFor(origin, explicit, env)?.toString().replace(/\/$/, '') ?? null).toBe(expected);
  });
});
