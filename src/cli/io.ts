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
  // Lines of the progress block on the terminal now: the next redraw erases them all, from the cursor's line up.
  let drawn = 0;
  const erase = () => {
    const text = drawn ? ERASE_LINE + ERASE_LINE_ABOVE.repeat(drawn - 1) : ERASE_LINE;
    drawn = 0;
    return text;
  };
  // A line wider than the terminal would wrap and the next redraw erase too few: each is cut to the width.
  const redraw = (block: string) => {
    const width = process.stderr.columns || 80;
    const lines = block.split('\n').map((l) => (l.length > width ? l.slice(0, width - 1) : l));
    process.stderr.write(`${erase()}${lines.join('\n')}`);
    drawn = lines.length;
  };
  return {
    out: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err,
    progress: (block) => (isTty ? redraw(block) : err(block)),
    clearProgress: () => void (isTty && process.stderr.write(erase())),
    env: process.env,
    isTty,
    ...(isTty && process.stdin.isTTY ? { ask: askOnTerminal } : {}),
  };
}

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
