import { isAbsolute, relative } from 'node:path';
import { createInterface } from 'node:readline';

/** Io is the terminal and environment a command talks to; main() passes the real process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Shows the live progress on stderr: a block (lines joined by "\n") redrawn in place on a terminal, else a line of its own. */
  progress(line: string): void;
  /** Takes the progress away at the end of a run (on a terminal; a log keeps its lines). */
  clearProgress(): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (live progress redraws in place only then). */
  isTty: boolean;
  /**
   * The width the console report fits (its tables drop columns, its lines wrap): COLUMNS, else the terminal's width;
   * absent off a terminal without COLUMNS, where every column and line is printed in full, the same for every script.
   */
  columns?: number;
  /**
   * Asks the person at the terminal a question (on stderr) and resolves with the line they type, or null when input
   * ends or they press Ctrl-C; absent when stdin or stderr is not a terminal (nobody to ask).
   */
  ask?: (question: string) => Promise<string | null>;
}

// Back to the line's start and erase it; up a line and erase it: the progress block is redrawn over itself.
const ERASE_LINE = '\r\x1b[2K';
const ERASE_LINE_ABOVE = '\x1b[1A\x1b[2K';

/** processIo is the real terminal. */
export function processIo(): Io {
  const err = (t: string) => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  const isTty = Boolean(process.stderr.isTTY);
  // Lines of the progress block on the terminal now: the next redraw erases them all.
  let drawn = 0;
  const redraw = (block: string) => {
    const r = redrawBlock(drawn, block, process.stderr.columns || 80);
    process.stderr.write(r.text);
    drawn = r.lines;
  };
  return {
    out: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err,
    progress: (block) => (isTty ? redraw(block) : err(block)),
    clearProgress: () => void (isTty && redraw('')),
    env: process.env,
    isTty,
    ...withColumns(consoleColumns(process.env, process.stdout)),
    ...(isTty && process.stdin.isTTY ? { ask: askOnTerminal } : {}),
  };
}

/**
 * redrawBlock is what redraws the progress block on a terminal over the `drawn` lines it showed before (the cursor on the
 * last of them): erase that line and each one above, then write the block's lines, each cut to the terminal's `width`
 * (a wider one would wrap, and the next redraw erase too few). An empty block only erases.
 */
export function redrawBlock(drawn: number, block: string, width: number): { text: string; lines: number } {
  const erase = ERASE_LINE + ERASE_LINE_ABOVE.repeat(Math.max(0, drawn - 1));
  if (!block) return { text: erase, lines: 0 };
  const lines = block.split('\n').map((l) => (l.length > width ? l.slice(0, width - 1) : l));
  return { text: erase + lines.join('\n'), lines: lines.length };
}

/**
 * consoleColumns is the width stdout's report fits: a positive COLUMNS, else the terminal's own width; undefined when
 * stdout is not a terminal and COLUMNS is not set (a pipe or a file gets every column, as scripts expect).
 */
export function consoleColumns(
  env: Readonly<Record<string, string | undefined>>,
  stdout: { isTTY?: boolean; columns?: number },
): number | undefined {
  const set = Number(env.COLUMNS);
  if (env.COLUMNS && Number.isInteger(set) && set > 0) return set;
  return stdout.isTTY && stdout.columns ? stdout.columns : undefined;
}

/** reportWidth is the width a command's console report fits: none with --wide (every column), else the console's. */
export function reportWidth(io: Io, opts: { wide?: boolean }): number | undefined {
  return opts.wide ? undefined : io.columns;
}

/** shortPath is a path as the console prints it: relative to the working directory when under it, else as it is. */
export function shortPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

const withColumns = (columns: number | undefined) => (columns === undefined ? {} : { columns });

// askOnTerminal reads one line from the terminal; end of input or Ctrl-C (which readline takes from the terminal, so
// the run's own SIGINT handler never sees it) answers null.
function askOnTerminal(question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answer: string | null = null;
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => resolve(answer));
    rl.question(question, (line) => {
      answer = line;
      rl.close();
    });
  });
}
