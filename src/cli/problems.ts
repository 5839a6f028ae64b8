import type { Problem } from '../scenario/validate.js';
import { CliError, ExitCode } from './exit-codes.js';

/** InvalidInput is the CLI error for a scenario (or a file it names) with problems: it prints them all, one a line, and exits 2. */
export class InvalidInput extends CliError {
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    const n = problems.length;
    super(
      ExitCode.InvalidInput,
      `${file}: ${n} problem${n === 1 ? '' : 's'}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}

/** invalidInput turns scenario problems into the CLI error that prints them all and exits 2. */
export function invalidInput(file: string, problems: readonly Problem[]): InvalidInput {
  return new InvalidInput(file, problems);
}
