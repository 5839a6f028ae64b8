import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../src/runner/load-inputs.js';
import { validateScenario } from '../../src/scenario/validate.js';

// A target's network keys (proxy, tls, http2): checked at the boundary, every problem named by its path.

const scenario = (extra: Record<string, unknown>) => ({
  name: 'net',
  targets: [{ name: 't', model: 'm', baseUrl: 'https://llm.corp/v1', ...extra }],
  load: { concurrency: 1, requests: 1 },
});

describe('target network keys', () => {
  it('accepts a proxy URL, proxy: false, tls files and http2', () => {
    for (const extra of [
      { proxy: 'http://proxy.corp:3128' },
      { proxy: false },
      { tls: { ca: 'corp-root.pem' } },
      { tls: { ca: 'corp-root.pem', cert: 'me.pem', key: 'me.key' } },
      { http2: true },
    ]) {
      const v = validateScenario(scenario(extra));
      expect(v.ok, JSON.stringify(v.ok ? extra : v.problems)).toBe(true);
    }
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a proxy that is not a URL', { proxy: 'proxy.corp' }, 'targets[0].proxy', /not an http\(s\) URL/],
    ['proxy: true', { proxy: true }, 'targets[0].proxy', /./],
    ['a proxy password in the file', { proxy: 'http://me:s3cret-pw@proxy.corp:3128' }, 'targets[0].proxy', /HTTPS_PROXY/],
    ['a cert without its key', { tls: { cert: 'me.pem' } }, 'targets[0].tls', /cert and key go together/],
    ['an unknown tls key', { tls: { ca: 'a.pem', insecure: true } }, 'targets[0].tls.insecure', /unknown key; allowed here: ca, cert, key/],
    ['http2 not a boolean', { http2: 'yes' }, 'targets[0].http2', /./],
  ])('%s is refused at its path', (_, extra, path, message) => {
    const v = validateScenario(scenario(extra));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const p = v.problems.find((x) => x.path === path);
    expect(p, JSON.stringify(v.problems)).toBeDefined();
    expect(p!.message).toMatch(message);
  });
});

describe('tls files', () => {
  it('are read relative to the scenario file, and one that cannot be read is a problem at its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bakeoff-tls-keys-'));
    writeFileSync(join(dir, 'root.pem'), 'not checked here');
    const write = (tls: Record<string, string>) => {
      const file = join(dir, 'scenario.json');
      writeFileSync(file, JSON.stringify(scenario({ tls })));
      return file;
    };
    const ok = await readInputs(write({ ca: 'root.pem' }));
    expect(ok.ok && ok.inputs.scenario.targets[0]!.tls?.ca).toBe(join(dir, 'root.pem'));
    const missing = await readInputs(write({ ca: 'root.pem', cert: 'me.pem', key: 'me.key' }));
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems.map((p) => p.path)).toEqual(['targets[0].tls.cert', 'targets[0].tls.key']);
  });
});
