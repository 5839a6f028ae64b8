import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../support/cli-process.js';

// scripts/docs-check.mjs (`npm run docs:check`): a documented output edited to a wrong value fails, naming the page,
// the line and the mismatch; the right value, or one within the stated tolerance, passes. `validate` is quick and
// its output is fixed, so these pages run in about a second each.

const SCRIPT = resolve(ROOT, 'scripts/docs-check.mjs');

/** page is a markdown page with one console block showing `validate scenarios/quickstart.yaml`'s first lines. */
function page(load: string, directives: string[] = []): string {
  return [
    '# A page',
    '',
    'Some prose.',
    '',
    ...directives.map((d) => `<!-- docs-check: ${d} -->`),
    '```console',
    '$ node dist/cli/main.js validate scenarios/quickstart.yaml',
    'scenario quickstart: valid',
    `  load:     ${load}`,
    '…',
    'expected measured requests: ≈287',
    '…',
    '```',
    '',
  ].join('\n');
}

describe('docs-check', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-docs-check-'));
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function check(name: string, text: string): Promise<{ code: number; out: string }> {
    const file = join(dir, name);
    await writeFile(file, text);
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, file], { cwd: ROOT, timeout: 60_000 });
      return { code: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  }

  it('passes a page whose block shows the real output', async () => {
    const r = await check('right.md', page('closed loop, 8 concurrent per target, stop after 15s'));
    expect(r.out).toContain('1 block(s) run, 0 skipped, 0 scenario(s) validated, 0 mismatch(es)');
    expect(r.code).toBe(0);
  }, 60_000);

  it('fails a count edited to a wrong value, naming the page, the line and both values', async () => {
    const r = await check('wrong-count.md', page('closed loop, 9 concurrent per target, stop after 15s'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/wrong-count\.md:8: output of `node dist\/cli\/main\.js validate scenarios\/quickstart\.yaml` differs/);
    expect(r.out).toContain('8 where the page shows 9 (exact)');
    expect(r.out).toContain('page:     load:     closed loop, 9 concurrent');
    expect(r.out).toContain('output: load: closed loop, 8 concurrent');
  }, 60_000);

  it('lets a time move within its tolerance, and fails it beyond', async () => {
    expect((await check('time-near.md', page('closed loop, 8 concurrent per target, stop after 20s'))).code).toBe(0);
    const far = await check('time-far.md', page('closed loop, 8 concurrent per target, stop after 40s'));
    expect(far.code).toBe(1);
    expect(far.out).toContain('15 where the page shows 40 (beyond ±50% for a time)');
  }, 60_000);

  it("lets a block's stated tolerance cover a count", async () => {
    const r = await check('tolerance.md', page('closed loop, 9 concurrent per target, stop after 15s', ['tolerance 20%']));
    expect(r.code).toBe(0);
  }, 60_000);

  it('fails a changed word and a wrong exit status', async () => {
    const word = await check('word.md', page('open loop, 8 concurrent per target, stop after 15s'));
    expect(word.code).toBe(1);
    expect(word.out).toContain('different text');
    const status = await check(
      'status.md',
      ['```console', '$ node dist/cli/main.js validate docs/examples/broken-scenario.yaml', '…', '$ echo $?', '0', '```', ''].join('\n'),
    );
    expect(status.code).toBe(1);
    expect(status.out).toContain('status.md:4: exit status 2 where the page shows 0');
  }, 60_000);

  it('validates a yaml block that is a whole scenario, not a fragment', async () => {
    const scenario = (concurrency: string) => [
      '```yaml',
      'name: tiny',
      'targets:',
      '  - { name: a, model: m, mock: { ttftMs: 1 } }',
      `load: { concurrency: ${concurrency}, duration: 1s }`,
      '```',
    ];
    const ok = await check('scenario-ok.md', [...scenario('2'), '', '```yaml', 'load: { concurrency: -1 }', '```', ''].join('\n'));
    expect(ok.out).toContain('0 block(s) run, 0 skipped, 1 scenario(s) validated, 0 mismatch(es)');
    expect(ok.code).toBe(0);
    const bad = await check('scenario-bad.md', [...scenario('-1'), ''].join('\n'));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/scenario-bad\.md:1: this scenario does not pass `bakeoff validate` \(exit 2\)/);
    expect(bad.out).toContain('load.concurrency');
  }, 60_000);

  it('refuses a connection to any host but loopback in the commands it runs, before anything is sent', async () => {
    // Socket#connect is replaced by a recorder before the guard wraps it, so nothing here reaches the network.
    const probe = `
      import net from 'node:net';
      const seen = [];
      net.Socket.prototype.connect = function (...args) { seen.push(args[0]?.host ?? args[1] ?? 'localhost'); return this; };
      await import(${JSON.stringify(resolve(ROOT, 'scripts/docs-check-loopback.mjs'))});
      const errors = [];
      for (const host of ['192.0.2.1', 'api.openai.com', '127.0.0.1', '::1']) {
        const s = new net.Socket();
        s.on('error', (e) => errors.push(e.message));
        s.connect({ host, port: 443 });
      }
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify({ seen, errors }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], { timeout: 20_000 });
    const { seen, errors } = JSON.parse(stdout) as { seen: string[]; errors: string[] };
    expect(seen).toEqual(['127.0.0.1', '::1']);
    expect(errors).toEqual([
      'docs-check: connect to 192.0.2.1 refused (a documented command reaches loopback only)',
      'docs-check: connect to api.openai.com refused (a documented command reaches loopback only)',
    ]);
  }, 30_000);

  it('preloads that guard into the commands a page runs', async () => {
    // 0.0.0.0 is this machine, but not a loopback address the guard allows: unguarded, the run would get a plain
    // ECONNREFUSED from port 9 here instead, so the guard's message proves it is in place without leaving the machine.
    const r = await check(
      'guarded.md',
      [
        '<!-- docs-check: file far.yaml -->',
        '```yaml',
        'name: far',
        'targets:',
        '  - { name: far, model: m, baseUrl: "http://0.0.0.0:9/v1" }',
        'workload: { promptTokens: 8, maxTokens: 2 }',
        'load: { concurrency: 1, requests: 1 }',
        '```',
        '',
        '```console',
        '$ node dist/cli/main.js run far.yaml -q',
        '…',
        '  connect_error ×1: …docs-check: connect to 0.0.0.0 refused (a documented command reaches loopback only)',
        '…',
        '```',
        '',
      ].join('\n'),
    );
    expect(r.out).toContain('1 block(s) run, 0 skipped, 1 scenario(s) validated, 0 mismatch(es)');
    expect(r.code).toBe(0);
  }, 60_000);

  it('refuses a command outside its list and a skip without a reason, running nothing', async () => {
    const refused = await check('refused.md', ['```console', '$ rm -rf results', '```', ''].join('\n'));
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('"rm -rf results" is not a command docs-check runs');
    const bare = await check('bare.md', ['<!-- docs-check: skip -->', '```console', '$ rm -rf results', '```', ''].join('\n'));
    expect(bare.code).toBe(2);
    expect(bare.out).toContain('"skip" needs a reason');
    const skipped = await check(
      'skipped.md',
      ['<!-- docs-check: skip (shows a destructive command) -->', '```console', '$ rm -rf results', '```', ''].join('\n'),
    );
    expect(skipped.code).toBe(0);
    expect(skipped.out).toContain('0 block(s) run, 1 skipped,');
  }, 60_000);
});
