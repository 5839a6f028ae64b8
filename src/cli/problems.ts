import type { Problem } from '../scenario/validate.js';
import { CliError, ExitCode } from './exit-codes.js';

/** invalidInput turns scenario problems into the CLI error that prints them all and exits 2. */
export function invalidInput(file: string, problems: readonly Problem[]): CliError {
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`);
  const n = problems.length;
  return new CliError(ExitCode.InvalidInput, `${file}: ${n} problem${n === 1 ? '' : 's'}\n${lines.join('\n')}`);
}
