import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ensureBuilt } from '../support/cli-process.js';

// deploy/local.sh runs the shards of a multi-region test as local processes, then merges them.
// Here it runs from a copy of the repository layout whose "node" (BAKEOFF_NODE) is a stand-in
// that records every call, so what is checked is the script's own work: the shard numbering,
// the shared --start-at, which exit codes are merged, the merge's arguments and exit code.
// (The real run and merge are the CLI's, tested with it.)

const SCRIPT = join(import.meta.dirname, '../../deploy/local.sh');

// Records "<command>\t<arg>\t<arg>…" per call; `run` creates its --out and exits with
// STUB_CODE_<region> (dashes as underscores), `merge` exits with STUB_MERGE_CODE.
const FAKE_NODE = `#!/usr/bin/env bash
set -euo pipefail
shift # the CLI path
(IFS=$'\\t'; printf '%s\\n' "$*") >> "$STUB_LOG"
out=""; region=""; prev=""
for a in "$@"; do
  [[ "$prev" == "--out" ]] && out="$a"
  [[ "$prev" == "--agent-region" ]] && region="$a"
  prev="$a"
done
case "$1" in
  run)
    mkdir -p "$out"; echo "output of $region"
    if [[ -n "\${STUB_SLOW:-}" ]]; then
      trap 'kill "$p" 2>/dev/null; echo "$region" >> "$STUB_LOG.term"; exit 130' TERM
      sleep 30 & p=$!
      echo "$region" >> "$STUB_LOG.started"
      wait "$p"
    fi
    v="STUB_CODE_\${region//-/_}"; exit "\${!v:-0}" ;;
  merge) mkdir -p "$out"; exit "\${STUB_MERGE_CODE:-0}" ;;
esac
exit 99
`;

describe('deploy/local.sh', () => {
  let root: string;
  let scenario: string;
  let fakeNode: string;
  let runs = 0;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bakeoff-local-sh-'));
    mkdirSync(join(root, 'repo/deploy'), { recursive: true });
    mkdirSync(join(root, 'repo/dist/cli'), { recursive: true });
    copyFileSync(SCRIPT, join(root, 'repo/deploy/local.sh'));
    chmodSync(join(root, 'repo/deploy/local.sh'), 0o755);
    writeFileSync(join(root, 'repo/dist/cli/main.js'), '');
    fakeNode = join(root, 'fake-node');
    writeFileSync(fakeNode, FAKE_NODE);
    chmodSync(fakeNode, 0o755);
    scenario = join(root, 'scenario.yaml');
    writeFileSync(scenario, 'name: rehearsal\n');
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** localSh runs the copied script; calls are what the stand-in node was asked, split into words. */
  function localSh(args: string[], env: Record<string, string> = {}) {
    const log = join(root, `calls-${++runs}.log`);
    writeFileSync(log, '');
    const res = spawnSync('bash', [join(root, 'repo/deploy/local.sh'), ...args], {
      env: { PATH: process.env.PATH, BAKEOFF_NODE: fakeNode, STUB_LOG: log, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
    return { code: res.status, stdout: res.stdout, stderr: res.stderr, calls };
  }

  it('is executable and parses', () => {
    expect(statSync(SCRIPT).mode & 0o111).not.toBe(0);
    expect(spawnSync('bash', ['-n', SCRIPT]).status).toBe(0);
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n[\s\S]*\nset -euo pipefail\n/);
  });

  it('default regions: shard i/2 per region, all at one --start-at 2–3 s ahead, on the mock, then merge with its exit code', () => {
    const out = join(root, 'out-default');
    const before = Date.now();
    const r = localSh([scenario, out], { STUB_MERGE_CODE: '3' });
    const after = Date.now();
    expect(r.code, r.stderr).toBe(3);
    const runsMade = r.calls.filter((c) => c[0] === 'run').sort((a, b) => a.join().localeCompare(b.join()));
    expect(runsMade).toHaveLength(2);
    const startAt = runsMade[0]![runsMade[0]!.indexOf('--start-at') + 1]!;
    expect(startAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    // now + 3 s in whole seconds: more than 2 s after the script started, at most 3 s after it ended.
    expect(Date.parse(startAt)).toBeGreaterThan(before + 2_000 - 1);
    expect(Date.parse(startAt)).toBeLessThanOrEqual(after + 3_000);
    const shard = (i: number, region: string) => [
      'run',
      scenario,
      '--mock',
      '--yes',
      '--quiet',
      '--shard',
      `${i}/2`,
      '--agent-region',
      region,
      '--start-at',
      startAt,
      '--out',
      `${out}/${region}/shard-${i}`,
    ];
    expect(runsMade).toEqual([shard(0, 'eu-west-1'), shard(1, 'us-east-1')]);
    expect(r.calls.at(-1)).toEqual([
      'merge',
      `${out}/eu-west-1/shard-0`,
      `${out}/us-east-1/shard-1`,
      '--out',
      `${out}/merged`,
      '--exit-code',
    ]);
    // Each shard's console output is kept beside its run directory.
    expect(readFileSync(`${out}/us-east-1/shard-1.log`, 'utf8')).toBe('output of us-east-1\n');
  });

  it('regions from the command line set n; arguments after -- go to every run', () => {
    const out = join(root, 'out-three');
    const r = localSh([scenario, out, 'ap-southeast-1', 'eu-west-1', 'us-east-1', '--', '--metrics-port', '0']);
    expect(r.code, r.stderr).toBe(0);
    const runsMade = r.calls.filter((c) => c[0] === 'run');
    expect(runsMade.map((c) => `${c[c.indexOf('--shard') + 1]} ${c[c.indexOf('--agent-region') + 1]}`).sort()).toEqual([
      '0/3 ap-southeast-1',
      '1/3 eu-west-1',
      '2/3 us-east-1',
    ]);
    for (const c of runsMade) expect(c.slice(-2)).toEqual(['--metrics-port', '0']);
    expect(r.calls.at(-1)!.slice(1, 4)).toEqual([`${out}/ap-southeast-1/shard-0`, `${out}/eu-west-1/shard-1`, `${out}/us-east-1/shard-2`]);
  });

  it('a shard exiting 7 (no successful request) is merged too: its run directory is complete', () => {
    const r = localSh([scenario, join(root, 'out-7')], { STUB_CODE_us_east_1: '7' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.at(-1)![0]).toBe('merge');
    expect(r.stdout).toMatch(/shard 1\/2 \(us-east-1\): exit 7/);
  });

  it('shards exiting 3 (thresholds) and 5 (invalid) are merged', () => {
    const r = localSh([scenario, join(root, 'out-35')], { STUB_CODE_eu_west_1: '3', STUB_CODE_us_east_1: '5' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.at(-1)![0]).toBe('merge');
    expect(r.stdout).toMatch(/shard 0\/2 \(eu-west-1\): exit 3/);
    expect(r.stdout).toMatch(/shard 1\/2 \(us-east-1\): exit 5/);
  });

  it.each(['1', '2', '4', '130'])('a shard exiting %s: no merge, exit 1, the failed shard and its output named', (code) => {
    const r = localSh([scenario, join(root, `out-fail-${code}`)], { STUB_CODE_us_east_1: code });
    expect(r.code).toBe(1);
    expect(r.calls.some((c) => c[0] === 'merge')).toBe(false);
    expect(r.stderr).toContain(`shard 1/2 (us-east-1): FAILED, exit ${code}`);
    expect(r.stderr).toContain('output of us-east-1');
    expect(r.stderr).toContain('not merging');
  });

  it('a TERM sent to the script alone reaches every shard; it waits for them, then exits 130 without merging', async () => {
    const log = join(root, 'calls-term.log');
    writeFileSync(log, '');
    const child = spawn('bash', [join(root, 'repo/deploy/local.sh'), scenario, join(root, 'out-term')], {
      env: { PATH: process.env.PATH, BAKEOFF_NODE: fakeNode, STUB_LOG: log, STUB_SLOW: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const started = () => (existsSync(`${log}.started`) ? readFileSync(`${log}.started`, 'utf8').split('\n').filter(Boolean).length : 0);
    for (let waited = 0; started() < 2; waited += 50) {
      if (waited > 15_000) throw new Error('the shards did not start');
      await sleep(50);
    }
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, stderr).toBe(130);
    expect(readFileSync(`${log}.term`, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(readFileSync(log, 'utf8')).not.toMatch(/^merge/m);
    expect(stderr).toContain('not merging');
  });

  it('refuses a non-empty output directory, a region that is not a name, and missing arguments (exit 2, nothing run)', () => {
    const used = join(root, 'out-used');
    mkdirSync(used);
    writeFileSync(join(used, 'keep'), '');
    for (const [args, message] of [
      [[scenario, used], /is not empty/],
      [[scenario, join(root, 'out-bad'), '../etc'], /"\.\.\/etc" is not a region name/],
      [[scenario], /usage: deploy\/local\.sh/],
      [[join(root, 'missing.yaml'), join(root, 'out-missing')], /scenario file not found/],
    ] as const) {
      const r = localSh([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.calls).toEqual([]);
    }
  });
});

// The real thing, once: two shards of a tiny mock scenario with the built CLI, then the merge.
describe('deploy/local.sh with the built CLI', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'bakeoff-local-sh-e2e-'));
  }, 130_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs both shards on the mock at one start time and merges them', async () => {
    const scenario = join(dir, 'tiny.yaml');
    writeFileSync(
      scenario,
      [
        'name: tiny-rehearsal',
        'targets:',
        '  - { name: t, model: gpt-4o-mini, mock: { rttMs: 1, ttftMs: 5, itlMs: 1 } }',
        'workload: { maxTokens: 8 }',
        'load: { concurrency: 2, requests: 6 }',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const child = spawn('bash', [SCRIPT, scenario, out], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code, stderr + stdout).toBe(0);
    expect(stdout).toMatch(/shard 0\/2 \(eu-west-1\): exit 0/);
    expect(stdout).toMatch(/shard 1\/2 \(us-east-1\): exit 0/);
    for (const d of ['eu-west-1/shard-0', 'us-east-1/shard-1', 'merged']) expect(existsSync(join(out, d, 'summary.json')), d).toBe(true);
    expect(stdout).toMatch(/merged 2 shard\(s\)/);
    // The two shards' requests add up to the scenario's 6.
    const merged = JSON.parse(readFileSync(join(out, 'merged/summary.json'), 'utf8')) as { groups: { requests: { total: number } }[] };
    expect(merged.groups[0]!.requests.total).toBe(6);
  }, 60_000);
});
