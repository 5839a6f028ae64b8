import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { streamCompletion } from '../support/stub-server.js';
import { makeTlsFixtures } from '../support/tls-fixtures.js';

// A corporate user's run from the command line: an https endpoint signed by a private CA, reached
// through the proxy HTTPS_PROXY names. With the CA's root in tls.ca (a file beside the scenario)
// the run succeeds; without it, it ends with tls_error and one line saying what to do — the
// network's failure, not an invalid run blamed on the generator.

describe('bakeoff run: a private CA behind a proxy', () => {
  let dir: string;
  let server: Server;
  let proxy: ConnectProxy;
  let baseUrl: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-net-'));
    const fx = makeTlsFixtures();
    await copyFile(fx.caFile, join(dir, 'corp-root.pem'));
    server = createServer({ key: fx.serverKey, cert: fx.serverCert }, (req, res) => {
      req.resume();
      req.on('end', () => streamCompletion(res, ['Hi', '.']));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    proxy = await startConnectProxy();
  }, 130_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scenario = (tls?: Record<string, string>) => ({
    name: 'corp',
    targets: [{ name: 'gateway', model: 'm', baseUrl, ...(tls ? { tls } : {}) }],
    workload: { promptTokens: 16, maxTokens: 4 },
    load: { concurrency: 2, duration: '1s' },
  });

  it('with tls.ca, through HTTPS_PROXY: every request succeeds and the proxy saw the tunnels', async () => {
    const file = await writeDoc(dir, 'trusted.yaml', scenario({ ca: 'corp-root.pem' }));
    const res = await runCli(['run', file, '--quiet', '--out', join(dir, 'trusted')], {
      env: cliEnv({ HTTPS_PROXY: proxy.url }),
      timeoutMs: 60_000,
    });
    expect(res.code, res.stdout + res.stderr).toBe(ExitCode.Ok);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(res.stdout).not.toMatch(/tls_error/);
  });

  it('without it: tls_error with one line that names the fix; not an invalid run', async () => {
    const file = await writeDoc(dir, 'untrusted.yaml', scenario());
    const res = await runCli(['run', file, '--out', join(dir, 'untrusted')], { timeoutMs: 60_000 });
    expect(res.code).not.toBe(ExitCode.RunInvalid);
    expect(res.stdout).not.toMatch(/INVALID RUN/);
    expect(res.stdout).toMatch(/tls_error/);
    expect(res.stdout).toMatch(
      /^ {2}tls_error ×\d+: TLS handshake failed: certificate not trusted .*tls\.ca or NODE_EXTRA_CA_CERTS.*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/m,
    );
  });
});
