import { describe, expect, it } from 'vitest';
import { ENTRA_SCOPE, EntraToken, type AccessToken, type TokenCredential } from '../../src/runner/entra-id.js';

// An Entra ID token is fetched before the run, read by every request without waiting, and renewed in the background
// before it expires; a renewal that fails keeps the old token and is tried again later.

const HOUR = 3_600_000;

function stubCredential(answers: (() => AccessToken | null)[]): TokenCredential & { scopes: (string | string[])[] } {
  const scopes: (string | string[])[] = [];
  return {
    scopes,
    getToken: async (scope) => {
      scopes.push(scope);
      const next = answers.shift();
      if (!next) throw new Error('no more tokens');
      return next();
    },
  };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('EntraToken', () => {
  it('asks for the Cognitive Services scope, then serves the token until 5 min before it expires, then renews it', async () => {
    let now = 0;
    const cred = stubCredential([
      () => ({ token: 'tok-1', expiresOnTimestamp: HOUR }),
      () => ({ token: 'tok-2', expiresOnTimestamp: 2 * HOUR }),
    ]);
    const t = new EntraToken(cred, () => now);
    await t.start();
    expect(cred.scopes).toEqual([ENTRA_SCOPE]);
    expect(t.authorization()).toBe('Bearer tok-1');
    now = HOUR - 6 * 60_000;
    expect(t.authorization()).toBe('Bearer tok-1');
    expect(cred.scopes.length).toBe(1);
    now = HOUR - 4 * 60_000;
    // The request that finds it due still goes with the current token; the renewal lands for the next ones.
    expect(t.authorization()).toBe('Bearer tok-1');
    await settle();
    expect(cred.scopes.length).toBe(2);
    expect(t.authorization()).toBe('Bearer tok-2');
    expect(t.token).toBe('tok-2');
  });

  it('a renewal that fails keeps the old token and is tried again 30 s later', async () => {
    let now = 0;
    const cred = stubCredential([
      () => ({ token: 'tok-1', expiresOnTimestamp: 10 * 60_000 }),
      () => {
        throw new Error('IMDS unreachable');
      },
      () => ({ token: 'tok-2', expiresOnTimestamp: HOUR }),
    ]);
    const t = new EntraToken(cred, () => now);
    await t.start();
    now = 6 * 60_000;
    t.authorization();
    await settle();
    expect(t.authorization()).toBe('Bearer tok-1');
    expect(cred.scopes.length).toBe(2);
    now += 29_000;
    t.authorization();
    await settle();
    expect(cred.scopes.length).toBe(2);
    now += 2_000;
    t.authorization();
    await settle();
    expect(t.authorization()).toBe('Bearer tok-2');
  });

  it('start rejects when the credential has no token (before any traffic)', async () => {
    await expect(new EntraToken(stubCredential([() => null])).start()).rejects.toThrow(/no token for https:\/\/cognitiveservices/);
    await expect(new EntraToken(stubCredential([])).start()).rejects.toThrow('no more tokens');
  });
});
