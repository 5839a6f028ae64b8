/**
 * ExitCode is every status `bakeoff` can exit with, in one place (documented in the README's "Exit codes").
 * CI scripts branch on these, so values never change once released.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** Something broke at run time (a bug, a port in use, a disk full). */
  RuntimeFailure: 1,
  /** The scenario or the command line is invalid; nothing was sent. */
  InvalidInput: 2,
  /** A threshold of the scenario (e.g. ttft.p99 < 600ms) was breached, at the end or mid-run (abortOnFail); results are written. */
  ThresholdsBreached: 3,
  /** The run stopped before crossing a budget cap (budget: maxUsd / maxRequests / maxTokens); results hold what was measured. */
  BudgetReached: 4,
  /**
   * The run is invalid: too many requests failed on the generator's own side (its resources, its lateness, its
   * connection cap), so its numbers are not the targets'. Results are written, marked invalid.
   */
  RunInvalid: 5,
  /**
   * `compare`: a gated metric (--fail-on) is worse in the current run than in the baseline, beyond noise and by at
   * least the minimum effect.
   */
  CompareRegression: 6,
  /**
   * The run finished, valid and within its thresholds (or with none), but not one measured request succeeded: a wrong
   * port, a revoked key, a target that failed everything. A nightly job must not stay green on it.
   */
  NoSuccess: 7,
  /** Stopped by SIGINT/SIGTERM; results written hold what was measured. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** CliError carries an exit code and a message to print, thrown inside commands and caught once in main. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
