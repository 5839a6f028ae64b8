/** Io is the terminal and environment a command talks to; main() passes the real process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (live progress redraws in place only then). */
  isTty: boolean;
}

/** processIo is the real terminal. */
export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => void process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    env: process.env,
    isTty: Boolean(process.stderr.isTTY),
  };
}
