/**
 * Which names carry credentials: a header or a URL query parameter called so holds a secret, and
 * a scenario file must not (it gets committed, pasted, echoed into summary.json). Keys come from
 * environment variables named in the scenario: apiKeyEnv, headersFromEnv, queryFromEnv.
 */
export const SECRET_NAME = /authorization|api[-_]?key|^key$|token|secret|cookie|password|signature|^sig$/i;

/** isSecretName says whether a header or query parameter of this name carries a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** REDACTED stands for a secret value in every output. */
export const REDACTED = '[redacted]';

/** redactUrl hides a URL's user info and every query value (keeping the names), for outputs. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.username) u.username = 'REDACTED';
  if (u.password) u.password = 'REDACTED';
  for (const k of [...new Set(u.searchParams.keys())]) u.searchParams.set(k, 'REDACTED');
  return u.toString().replaceAll('REDACTED', REDACTED);
}
