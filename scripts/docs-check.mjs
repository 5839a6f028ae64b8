// docs-check: runs every command shown in README.md and docs/*.md and compares its output with what the page
// shows, so a page that drifts from the tool fails CI instead of misleading a user (`npm run docs:check`).
//
// Usage: node scripts/docs-check.mjs [--jobs N] [--verbose] [file.md …]   (default: README.md docs/*.md; needs dist/)
// --verbose prints each block's verdict and time, the skipped blocks with their reasons, and a failing command's whole
// output (what to update the page from when the tool's output changed on purpose); --jobs: pages checked at once (3).
//
// The rules (docs/outputs.md, "Docs are tested", says the same for writers):
// - Checked blocks: fenced ```console blocks. A block whose first line is `$ <command>` is run; a line starting with
//   `$ ` is a command, the lines after it (up to the next `$ `) are its expected output. Every other console block
//   (an output quoted without its command) must carry a skip directive: every block is run or says why not.
// - Directives: HTML comments right before the fence (blank lines between are allowed):
//     <!-- docs-check: skip (reason) -->   not run; the reason is required (real credentials, a second terminal …)
//     <!-- docs-check: tolerance 30% -->   every number in the block may differ by 30 % (relative), ±1 for counts
//     <!-- docs-check: tolerance any -->   numbers are not compared at all, only the text around them
//     <!-- docs-check: times 300% -->      times (ms, s, µs) may differ by 300 % (tail latencies of a loaded machine)
//     <!-- docs-check: columns 120 -->     COLUMNS for the commands (default none: every column, as off a terminal)
//     <!-- docs-check: timeout 180s -->    per command (default 120s)
//     <!-- docs-check: file NAME -->       before a ```yaml/```json block: write it as NAME for the page's commands
//     <!-- docs-check: derive {"file":"b.yaml","from":"a.yaml","replace":[["old text","new text"], …]} -->
//                                          write b.yaml as a.yaml with those (exact, each required) replacements
// - A ```yaml block that is a whole scenario (top-level `name` and `targets`) must pass `bakeoff validate`, unless
//   marked skip; fragments of a scenario are not checked.
// - Commands allowed (anything else is refused: mark it skip): `node dist/cli/main.js …`, `npx llm-bakeoff …` and
//   `bakeoff …` (both run node dist/cli/main.js), `npm start` (package.json's start script), `cat …`, `ls …`, and
//   `echo $?` (the previous command's exit status). No pipes, redirections or shell variables. A `  # comment` at the
//   end of a command is ignored. A command shown with no output must exit 0; otherwise the exit status is checked
//   only where the page shows `echo $?`.
// - Where: each page gets its own scratch directory, with dist/, scenarios/, pricing/, docs/, examples/, deploy/
//   and node_modules/ linked from the repository, so `results/…` and files written by `file` stay out of the tree.
//   Commands run with a minimal environment (PATH, HOME, TZ=UTC, NO_COLOR=1, and COLUMNS when a block sets it): no API key reaches them, and
//   scripts/docs-check-loopback.mjs, preloaded into node, refuses every TCP connection but to loopback, so a command
//   that needs a real provider cannot reach one (it fails, and the block must be marked skip).
// - Comparison, line by line after normalising both sides (ANSI colours dropped, runs of spaces → one space, runs of
//   ─ → one ─, blank lines ignored, run ids like 20261130-141032 and ISO timestamps replaced by placeholders):
//   - a line that is only `…` stands for any number of lines (none included); without it the lines are consecutive,
//     and a block that does not end with `…` must show the output's last line;
//   - `…` inside a line matches any text (e.g. `/…/results/…`);
//   - numbers: a time (a number followed by ms, s or µs) may differ by 50 % relative, or by 10 ms / 0.1 s; a
//     percentage by 25 % relative or 1 point; a rate (`/s` after it) or a cost ($ before it) by 25 %; every other
//     number (counts, ids, dates, table cells without a unit) must be equal unless the block states a tolerance.
//     A run's tail latencies on a loaded CI machine move more than that: its block says `times 300%`.
//   - everything else must be equal, except the generator's warnings about its own machine (`WARNING: dispatch lag`,
//     `event-loop delay`, tokens read in bursts), which come and go with the CI machine's load: those output lines
//     are ignored unless the page shows one of their kind.
// Exit status: 0 when every block matches, 1 when one does not (file:line, the expected line and the nearest output
// line are printed), 2 for a usage error or a malformed page (unknown directive, skip without reason, a command
// outside the allowed list).
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const LINKED = ['dist', 'scenarios', 'pricing', 'docs', 'examples', 'deploy', 'node_modules', 'package.json'];
const DEFAULT_TIMEOUT_MS = 120_000;
// No COLUMNS by default: the commands print as they do off a terminal (every column), which is what the pages show; a
// block that shows a narrow console says `columns 80`.
const DEFAULT_COLUMNS = null;
const UNIT_TOLERANCE = 0.25;
const TIME_TOLERANCE = 0.5;

class PageError extends Error {}

// parseArgs: the files to check and the options.
function parseArgs(argv) {
  const opts = { jobs: 3, verbose: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs') opts.jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a.startsWith('-')) {
      console.error(`docs-check: unknown option ${a}`);
      process.exit(2);
    } else opts.files.push(resolve(a));
  }
  if (opts.files.length === 0) {
    opts.files.push(join(ROOT, 'README.md'));
    for (const f of readdirSync(join(ROOT, 'docs')).sort()) if (f.endsWith('.md')) opts.files.push(join(ROOT, 'docs', f));
  }
  return opts;
}

// parseDirective: one `<!-- docs-check: … -->` comment into { kind, … }.
function parseDirective(text, where) {
  const m = /^skip\s*(?:\((.*)\)|:\s*(.*))?$/.exec(text);
  if (m) {
    const reason = (m[1] ?? m[2] ?? '').trim();
    if (!reason) throw new PageError(`${where}: "skip" needs a reason: <!-- docs-check: skip (why) -->`);
    return { kind: 'skip', reason };
  }
  let t = /^tolerance\s+(any|\d+(?:\.\d+)?%)$/.exec(text);
  if (t) return { kind: 'tolerance', value: t[1] === 'any' ? 'any' : Number(t[1].slice(0, -1)) / 100 };
  t = /^times\s+(\d+(?:\.\d+)?)%$/.exec(text);
  if (t) return { kind: 'times', value: Number(t[1]) / 100 };
  t = /^columns\s+(\d+)$/.exec(text);
  if (t) return { kind: 'columns', value: Number(t[1]) };
  t = /^timeout\s+(\d+)s$/.exec(text);
  if (t) return { kind: 'timeout', value: Number(t[1]) * 1000 };
  t = /^file\s+([\w.-]+)$/.exec(text);
  if (t) return { kind: 'file', name: t[1] };
  t = /^derive\s+(\{.*\})$/.exec(text);
  if (t) {
    const d = JSON.parse(t[1]);
    if (!d.file || !d.from || !Array.isArray(d.replace)) throw new PageError(`${where}: derive needs file, from, replace`);
    return { kind: 'derive', ...d };
  }
  throw new PageError(`${where}: unknown directive "${text}"`);
}

// parsePage: the fenced blocks of a markdown page, each with its directives and first line number.
function parsePage(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  let pending = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const d = /^\s*<!--\s*docs-check:\s*(.*?)\s*-->\s*$/.exec(line);
    if (d) {
      pending.push(parseDirective(d[1], `${file}:${i + 1}`));
      continue;
    }
    const fence = /^(\s*)```(\w*)\s*$/.exec(line);
    if (fence) {
      const body = [];
      let j = i + 1;
      while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(fence[1].length));
      blocks.push({ file, line: i + 1, lang: fence[2], body, directives: pending });
      pending = [];
      i = j;
      continue;
    }
    if (line.trim() !== '') pending = [];
  }
  return blocks;
}

// tokenize: a command line into words, honouring '…' and "…" quotes; refuses shell syntax it would not run.
function tokenize(command, where) {
  const words = [];
  let cur = null;
  let quote = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur ??= '';
    } else if (/\s/.test(c)) {
      if (c !== '\n' && command.slice(i).match(/^\s+#/)) break;
      if (cur !== null) words.push(cur);
      cur = null;
    } else if ('|&;<>`'.includes(c) || (c === '$' && command[i + 1] !== '?')) {
      throw new PageError(`${where}: shell syntax (${c}) in "${command}": not run; mark the block skip with a reason`);
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) words.push(cur);
  return words;
}

// resolveCommand: the program and arguments a documented command runs, or an error for one outside the allowed list.
function resolveCommand(words, where) {
  const cli = join('dist', 'cli', 'main.js');
  const [head, ...rest] = words;
  if (head === 'node' && rest[0] === 'dist/cli/main.js') return [process.execPath, [cli, ...rest.slice(1)]];
  if (head === 'npx' && rest[0] === 'llm-bakeoff') return [process.execPath, [cli, ...rest.slice(1)]];
  if (head === 'bakeoff') return [process.execPath, [cli, ...rest]];
  if (head === 'npm' && rest.length === 1 && rest[0] === 'start') {
    const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start.split(/\s+/);
    if (start[0] !== 'node') throw new PageError(`${where}: package.json's start script is not a node command`);
    return [process.execPath, start.slice(1)];
  }
  if (head === 'cat' || head === 'ls') return [head, rest];
  throw new PageError(`${where}: "${words.join(' ')}" is not a command docs-check runs; mark the block skip with a reason`);
}

// runCommand: runs one command in the page's scratch directory; stdout and stderr share one file, so their lines
// keep the order a terminal would show.
function runCommand(program, args, cwd, columns, timeoutMs) {
  const outFile = join(cwd, `.docs-check-out-${process.hrtime.bigint()}`);
  const fd = openSync(outFile, 'w');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? cwd, TZ: 'UTC', LANG: 'C.UTF-8', NO_COLOR: '1' };
  if (columns !== null) env.COLUMNS = String(columns);
  if (program === process.execPath) env.NODE_OPTIONS = `--import "${pathToFileURL(join(ROOT, 'scripts', 'docs-check-loopback.mjs')).href}"`;
  return new Promise((done) => {
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    const finish = (code) => {
      clearTimeout(timer);
      closeSync(fd);
      const text = readFileSync(outFile, 'utf8');
      rmSync(outFile, { force: true });
      done({ code, timedOut, lines: text.split('\n') });
    };
    child.on('error', (err) => {
      writeFileSync(outFile, String(err));
      finish(127);
    });
    child.on('exit', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

const NUMBER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;
// A number stands alone: not inside a word (p50, mock3r, E2E, gpt-4o) and not part of another number.
const NUMBER_TOKEN = new RegExp(String.raw`(?<![\w.])${NUMBER}(?!\d)`, 'g');
const TIME_UNIT = /^(ms|s|µs)\b/;
// The generator's warnings about its own machine (late dispatch, a busy event loop, tokens read in bursts) come and go
// with the load on the machine running the check, not with the tool: ignored unless the page shows one of them.
const MACHINE_NOISE = [/^WARNING: dispatch lag /, /^WARNING: event-loop delay /, /^WARNING: the client read many tokens in bursts /];

// normalize: one output or expected line in the form both sides are compared in.
function normalize(line) {
  return line
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/\r/g, '')
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?/g, '<time>')
    .replace(/\b\d{8}-\d{6}(?:-\d+)?\b/g, '<run-id>')
    .replace(/─+/g, '─')
    .replace(/\s+/g, ' ')
    .trim();
}

// splitNumbers: text and standalone numbers (a number followed by letters counts only when they are a unit).
function splitNumbers(text) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(NUMBER_TOKEN)) {
    const after = text.slice(m.index + m[0].length);
    if (/^[A-Za-z_]/.test(after) && !/^(ms|s|µs|M|K|k|B)\b/.test(after)) continue;
    parts.push({ text: text.slice(last, m.index) });
    parts.push({ number: m[0], before: text.slice(0, m.index), after });
    last = m.index + m[0].length;
  }
  parts.push({ text: text.slice(last) });
  return parts;
}

// compileLine: an expected line into a regex (numbers captured, `…` as a wildcard) and the numbers to compare.
function compileLine(expected) {
  const numbers = [];
  let source = '';
  for (const [k, segment] of expected.split('…').entries()) {
    if (k > 0) source += '.*?';
    for (const p of splitNumbers(segment)) {
      if (p.number === undefined) source += p.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else {
        source += `(${NUMBER})`;
        numbers.push(p);
      }
    }
  }
  return { regex: new RegExp(`^${source}$`), numbers };
}

// withinTolerance: whether an output number may stand for the expected one, or why not.
function withinTolerance(p, got, { tolerance, times }) {
  if (tolerance === 'any') return null;
  const want = Number(p.number.replace(/,/g, ''));
  const have = Number(got.replace(/,/g, ''));
  const unit = TIME_UNIT.exec(p.after)?.[1];
  let rel = 0;
  let abs = 0;
  let rule = 'exact';
  if (unit) [rel, abs, rule] = [TIME_TOLERANCE, unit === 'ms' ? 10 : unit === 's' ? 0.1 : 10_000, 'a time'];
  else if (p.after.startsWith('%')) [rel, abs, rule] = [UNIT_TOLERANCE, 1, 'a percentage'];
  else if (p.after.startsWith('/s') || p.before.endsWith('$')) [rel, abs, rule] = [UNIT_TOLERANCE, 0, 'a rate or cost'];
  if (unit && times > rel) [rel, rule] = [times, "the block's times"];
  if (typeof tolerance === 'number' && tolerance > 0 && tolerance >= rel) {
    rel = tolerance;
    abs = Math.max(abs, p.number.includes('.') ? 0 : 1);
    rule = `the block's ${Math.round(tolerance * 100)}%`;
  }
  if (rel === 0 && abs === 0) return got === p.number ? null : `${got} where the page shows ${p.number} (exact)`;
  const diff = Math.abs(have - want);
  if (diff <= abs || diff <= rel * Math.abs(want)) return null;
  return `${got} where the page shows ${p.number} (beyond ±${Math.round(rel * 100)}% for ${rule})`;
}

// matchLine: null when the output line matches the expected one, else why not (`skeleton` when only numbers differ).
function matchLine(compiled, outputLine, tolerance) {
  const m = compiled.regex.exec(outputLine);
  if (!m) return { why: 'different text', skeleton: false };
  for (const [k, p] of compiled.numbers.entries()) {
    const why = withinTolerance(p, m[k + 1], tolerance);
    if (why) return { why, skeleton: true };
  }
  return null;
}

// commonPrefix: how many leading characters two lines share once normalised.
function commonPrefix(a, b) {
  const x = normalize(a);
  let k = 0;
  while (k < x.length && x[k] === b[k]) k++;
  return k;
}

// matchOutput: whether the expected lines (with `…` gaps) appear in the output, or the deepest mismatch found.
function matchOutput(expectedLines, outputLines, tolerance) {
  const exp = [];
  let gap = false;
  for (const line of expectedLines) {
    const n = normalize(line);
    if (n === '') continue;
    if (n === '…') gap = true;
    else {
      exp.push({ raw: line, gapBefore: gap, compiled: compileLine(n) });
      gap = false;
    }
  }
  const trailingGap = gap;
  const shows = (re) => exp.some((e) => re.test(normalize(e.raw)));
  const noise = MACHINE_NOISE.filter((re) => !shows(re));
  const out = outputLines.map(normalize).filter((l) => l !== '' && !noise.some((re) => re.test(l)));
  const memo = new Map();
  let deepest = { i: -1 };
  // The failure reported is the deepest expected line reached, against the output line most like it: one that
  // differs only in numbers, else the one sharing the longest beginning.
  const likeness = (i, j, why) => (why?.skeleton ? 1e6 : commonPrefix(exp[i]?.raw ?? '', out[j] ?? ''));
  const note = (i, j, why) => {
    if (i > deepest.i || (i === deepest.i && likeness(i, j, why) > deepest.score)) {
      deepest = { i, j, ...why, score: likeness(i, j, why) };
    }
  };
  const go = (i, j) => {
    if (i === exp.length) {
      if (trailingGap || j === out.length) return true;
      note(i, j, { why: 'the output goes on where the page ends (end the block with … to allow that)' });
      return false;
    }
    const key = i * 100_000 + j;
    if (memo.has(key)) return memo.get(key);
    let ok = false;
    const e = exp[i];
    for (let k = j; k < out.length && !ok; k++) {
      const why = matchLine(e.compiled, out[k], tolerance);
      if (why) note(i, k, why);
      else ok = go(i + 1, k + 1);
      if (!e.gapBefore) break;
    }
    if (j >= out.length) note(i, j, { why: 'the output ended before this line' });
    memo.set(key, ok);
    return ok;
  };
  if (go(0, 0)) return null;
  const shown = deepest.i < exp.length ? exp[deepest.i].raw : '(end of block)';
  return { expected: shown, got: out[deepest.j] ?? '(end of output)', why: deepest.why };
}

// splitCommands: a console block into [{ command, expected lines, line number }].
function splitCommands(block) {
  const steps = [];
  block.body.forEach((line, k) => {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2).trim(), expected: [], line: block.line + 1 + k });
    else steps.at(-1)?.expected.push(line);
  });
  return steps;
}

// prepareScratch: the page's scratch directory, with the repository's inputs linked in.
function prepareScratch() {
  const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
  for (const entry of LINKED) if (existsSync(join(ROOT, entry))) symlinkSync(join(ROOT, entry), join(dir, entry));
  mkdirSync(join(dir, 'results'));
  return dir;
}

// applyFileDirectives: writes the files a block's `file` and `derive` directives ask for.
function applyFileDirectives(block, scratch, where) {
  for (const d of block.directives) {
    if (d.kind === 'file') writeFileSync(join(scratch, d.name), `${block.body.join('\n')}\n`);
    if (d.kind === 'derive') {
      let text = readFileSync(join(scratch, d.from), 'utf8');
      for (const [from, to] of d.replace) {
        if (!text.includes(from)) throw new PageError(`${where}: derive: "${from}" is not in ${d.from}`);
        text = text.replace(from, to);
      }
      writeFileSync(join(scratch, d.file), text);
    }
  }
}

// checkBlock: runs one console block's commands and compares their output; returns the failures.
async function checkBlock(block, scratch, where, verbose) {
  const get = (kind) => block.directives.find((d) => d.kind === kind)?.value;
  const tolerance = { tolerance: get('tolerance') ?? 0, times: get('times') ?? 0 };
  const failures = [];
  let lastCode = 0;
  for (const step of splitCommands(block)) {
    const at = `${where.split(':')[0]}:${step.line}`;
    if (step.command === 'echo $?') {
      const shown = normalize(step.expected.join(' '));
      if (shown !== String(lastCode)) failures.push(`${at}: exit status ${lastCode} where the page shows ${shown}`);
      continue;
    }
    const [program, args] = resolveCommand(tokenize(step.command, at), at);
    const r = await runCommand(program, args, scratch, get('columns') ?? DEFAULT_COLUMNS, get('timeout') ?? DEFAULT_TIMEOUT_MS);
    lastCode = r.code;
    if (r.timedOut) failures.push(`${at}: \`${step.command}\` did not finish within ${(get('timeout') ?? DEFAULT_TIMEOUT_MS) / 1000}s`);
    const shownOutput = step.expected.some((l) => l.trim() !== '');
    if (!shownOutput && r.code !== 0) failures.push(`${at}: \`${step.command}\` exited ${r.code}:\n${r.lines.slice(-5).join('\n')}`);
    const mismatch = shownOutput ? matchOutput(step.expected, r.lines, tolerance) : null;
    if (mismatch) {
      const line = step.line + 1 + Math.max(0, step.expected.indexOf(mismatch.expected));
      failures.push(
        `${at.split(':')[0]}:${line}: output of \`${step.command}\` differs: ${mismatch.why}\n` +
          `  page:   ${mismatch.expected}\n  output: ${mismatch.got}` +
          (verbose ? `\n  the whole output, to update the page from:\n${r.lines.join('\n').trimEnd()}` : ''),
      );
    }
  }
  return failures;
}

// validateScenarioBlock: a ```yaml block that is a whole scenario (top-level name and targets) must pass
// `bakeoff validate`; fragments of one are not checked. Returns the failure, null when it passed, undefined when
// the block is not a scenario.
async function validateScenarioBlock(block, scratch, where) {
  if (block.lang !== 'yaml') return undefined;
  let doc;
  try {
    doc = parseYaml(block.body.join('\n'));
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || !doc.name || !doc.targets) return undefined;
  const file = join(scratch, `.docs-check-scenario-${block.line}.yaml`);
  writeFileSync(file, `${block.body.join('\n')}\n`);
  const r = await runCommand(process.execPath, [join('dist', 'cli', 'main.js'), 'validate', file], scratch, DEFAULT_COLUMNS, 30_000);
  rmSync(file, { force: true });
  if (r.code === 0) return null;
  return `${where}: this scenario does not pass \`bakeoff validate\` (exit ${r.code}):\n${r.lines.join('\n').trim()}`;
}

// checkPage: every block of one page; returns { ran, skipped, failures }.
async function checkPage(file, verbose) {
  const rel = relative(ROOT, file) || basename(file);
  const result = { file: rel, ran: 0, validated: 0, skipped: [], failures: [], ms: 0 };
  const started = Date.now();
  const scratch = prepareScratch();
  try {
    for (const block of parsePage(file)) {
      const where = `${rel}:${block.line}`;
      const skip = block.directives.find((d) => d.kind === 'skip');
      if (block.lang !== 'console') {
        if (skip) continue;
        applyFileDirectives(block, scratch, where);
        const failure = await validateScenarioBlock(block, scratch, where);
        if (failure !== undefined) result.validated++;
        if (failure) result.failures.push(failure);
        continue;
      }
      applyFileDirectives(block, scratch, where);
      if (skip) {
        result.skipped.push(`${where}: ${skip.reason}`);
        continue;
      }
      if (!block.body[0]?.startsWith('$ ')) {
        throw new PageError(`${where}: a console block without a \`$ command\` first line; mark it skip with a reason`);
      }
      const t = Date.now();
      const failures = await checkBlock(block, scratch, where, verbose);
      result.ran++;
      result.failures.push(...failures);
      if (verbose) console.error(`${where}: ${failures.length ? 'FAIL' : 'ok'} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  result.ms = Date.now() - started;
  return result;
}

// main: checks the pages a few at a time (their commands mostly wait on the mock's latencies, not the CPU).
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const queue = [...opts.files];
  const results = [];
  let malformed = false;
  const worker = async () => {
    while (queue.length) {
      const file = queue.shift();
      try {
        results.push(await checkPage(file, opts.verbose));
      } catch (err) {
        if (!(err instanceof PageError)) throw err;
        console.error(`docs-check: ${err.message}`);
        malformed = true;
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: opts.jobs }, worker));
  results.sort((a, b) => a.file.localeCompare(b.file));
  const failures = results.flatMap((r) => r.failures);
  for (const f of failures) console.error(`\n${f}`);
  const ran = results.reduce((n, r) => n + r.ran, 0);
  const skipped = results.flatMap((r) => r.skipped);
  if (opts.verbose) for (const s of skipped) console.error(`skipped ${s}`);
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  const validated = results.reduce((n, r) => n + r.validated, 0);
  console.log(
    `docs-check: ${ran} block(s) run, ${skipped.length} skipped, ${validated} scenario(s) validated, ` +
      `${failures.length} mismatch(es), ${secs}s`,
  );
  process.exit(malformed ? 2 : failures.length ? 1 : 0);
}

await main();
