/** ProxyEnv is the part of the environment that routes connections through a proxy. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/**
 * proxyFor picks the proxy a connection to `origin` goes through, or null for a direct one: the
 * target's own `proxy:` (a URL, or false for never) wins; otherwise HTTPS_PROXY for https origins
 * (falling back to HTTP_PROXY), HTTP_PROXY for http ones, lower case first, skipped for hosts
 * NO_PROXY names. The NO_PROXY rules are undici's EnvHttpProxyAgent's (exact host, domain suffix
 * with or without a leading dot or `*.`, optional port, `*` for all), written out here because the
 * transport opens each connection itself to time it, so it routes before undici sees the request.
 */
export function proxyFor(origin: string, explicit: string | false | undefined, env: ProxyEnv): URL | null {
  if (explicit === false) return null;
  if (explicit) return new URL(explicit);
  const url = new URL(origin);
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY;
  const proxy = url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY ?? httpProxy) : httpProxy;
  if (!proxy) return null;
  const host = url.hostname
    .replace(/^\[(.+)\]$/, '$1')
    .replace(/(.)\.$/, '$1')
    .toLowerCase();
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  return bypassed(host, port, env.no_proxy ?? env.NO_PROXY ?? '') ? null : new URL(proxy);
}

function bypassed(host: string, port: number, noProxy: string): boolean {
  for (const raw of noProxy.split(/[,\s]/)) {
    if (!raw) continue;
    const v6 = raw.match(/^\[(.+)\]:(\d+)$/);
    const bare = raw.replace(/^\[(.+)\]$/, '$1');
    const hostPort = !v6 && (bare.match(/:/g) ?? []).length === 1 ? bare.match(/^(.+):(\d+)$/) : null;
    const name = v6 ? v6[1]! : hostPort ? hostPort[1]! : bare;
    const entryPort = v6 ? Number(v6[2]) : hostPort ? Number(hostPort[2]) : 0;
    if (entryPort && entryPort !== port) continue;
    if (name === '*') return true;
    // `*.example.com` matches subdomains only; `example.com` and `.example.com` also the apex.
    const wildcard = raw.startsWith('*');
    const entry = name
      .replace(/^\*?\./, '')
      .replace(/^(.+)\.$/, '$1')
      .toLowerCase();
    if (!wildcard && host === entry) return true;
    if (host.endsWith(`.${entry}`)) return true;
  }
  return false;
}
