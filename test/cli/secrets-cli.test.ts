import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { jsonError, startStubServer, type StubServer } from '../support/stub-server.js';

// Keys bill real money: whatever carries one — the variable apiKeyEnv names, any header value,
// a URL's user info or query — never reaches results, logs or error messages, even when the server
// echoes it back. A key written into a scenario file is refused, with the way to name a variable.

const KEY = 'fake-bakeoff-key-31d5e8a0c7';
const HEADER_KEY = 'fake-azure-key-9b2f4c61e0';
const QUERY_KEY = 'fake-gemini-key-77ac03d915';

describe('secrets never reach an output', () => {
  let dir: string;
  let stub: StubServer;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-secrets-'));
    // A server that echoes everything it was sent — headers and URL — in its 401 body, as some do.
    stub = await startStubServer((req, res) =>
      jsonError(
        res,
        401,
        `Incorrect API key provided. You sent ${req.url} with ${JSON.stringify(req.headers)}`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    );
  }, 130_000);
  afterAll(async () => {
    await stub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a server echoing the key, a header value and the query: scrubbed from requests.csv, summary files and the console; the query stays on the wire', async () => {
    const file = await writeDoc(dir, 'echo.yaml', {
      name: 'echo',
      targets: [
        {
          name: 'azure',
          model: 'gpt-4o-mini',
          baseUrl: `${stub.baseUrl}?api-version=2024-06-01`,
          apiKeyEnv: 'BAKEOFF_TEST_KEY',
          headersFromEnv: { 'api-key': 'BAKEOFF_TEST_HEADER_KEY' },
          queryFromEnv: { key: 'BAKEOFF_TEST_QUERY_KEY' },
          headers: { 'x-team': 'latency-team-7' },
        },
      ],
      load: { concurrency: 1, requests: 2, errorBackoff: 0 },
    });
    const out = join(dir, 'run');
    const env = cliEnv({ BAKEOFF_TEST_KEY: KEY, BAKEOFF_TEST_HEADER_KEY: HEADER_KEY, BAKEOFF_TEST_QUERY_KEY: QUERY_KEY });
    const res = await runCli(['run', file, '--quiet', '--out', out], { env, timeoutMs: 30_000 });
    // Every request got a 401: not one succeeded, which the run's exit code says.
    expect(res.code, res.stderr).toBe(ExitCode.NoSuccess);
    // On the wire: the query where the server reads it, the credentials sent.
    const sent = stub.requests.at(-1)!;
    expect(sent.url).toBe(`/v1/chat/completions?api-version=2024-06-01&key=${QUERY_KEY}`);
    expect(sent.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'api-key': HEADER_KEY, 'x-team': 'latency-team-7' });
    // Nowhere in what the run wrote or printed.
    // Every file the run wrote, in every folder (the .hgrm files are in hgrm/<group>/).
    const files = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const outputs = [res.stdout, res.stderr, ...(await Promise.all(files.map((f) => readFile(f, 'utf8'))))].join('\n');
    for (const secret of [KEY, HEADER_KEY, QUERY_KEY, 'latency-team-7']) expect(outputs, secret).not.toContain(secret);
    expect(outputs).toContain('Incorrect API key provided');
    // The 401 says where the key came from (by name, never by value).
    expect(outputs).toMatch(/check the key in BAKEOFF_TEST_KEY, BAKEOFF_TEST_HEADER_KEY, BAKEOFF_TEST_QUERY_KEY/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      scenario: { targets: { baseUrl: string; headers: Record<string, string> }[] };
    };
    expect(summary.scenario.targets[0]!.baseUrl).toBe(`${stub.baseUrl}?api-version=[redacted]`);
    expect(summary.scenario.targets[0]!.headers).toEqual({ 'x-team': '[redacted]' });
  });

  it.each([
    [
      'an Authorization header',
      { headers: { Authorization: `Bearer ${KEY}` } },
      /targets\[0\]\.headers\.Authorization: holds a credential in the scenario file; name an environment variable instead: apiKeyEnv: OPENAI_API_KEY/,
    ],
    [
      'an api-key header',
      { headers: { 'api-key': KEY } },
      /targets\[0\]\.headers\.api-key: holds a credential .* headersFromEnv: \{ api-key: MY_KEY_VAR \}/,
    ],
    [
      'a key in the URL query',
      { baseUrl: `https://example.invalid/v1?key=${KEY}` },
      /targets\[0\]\.baseUrl: holds a credential in its query \(key=…\); .* queryFromEnv: \{ key: MY_KEY_VAR \}/,
    ],
    ['a password in the URL', { baseUrl: `https://user:${KEY}@example.invalid/v1` }, /targets\[0\]\.baseUrl: holds a password in the URL/],
  ])('refuses a key written into the scenario: %s (exit 2, the key not printed)', async (_, target, message) => {
    const file = await writeDoc(dir, 'literal.yaml', {
      name: 'literal',
      targets: [{ name: 't', model: 'm', baseUrl: 'https://example.invalid/v1', ...target }],
      load: { concurrency: 1, requests: 1 },
    });
    const res = await runCli(['validate', file]);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toMatch(message);
    expect(res.stderr + res.stdout).not.toContain(KEY);
  });
});
