import type { RequestResult } from '../metrics/request-result.js';
import { isAttempt, isGeneratorFailure, isMeasured, isUserRequest } from '../metrics/counting.js';
import { newHistogram, recordMs, type Histogram } from '../metrics/histogram.js';
import type { RunOutput, RunStart } from '../metrics/run-output.js';

/** ProgressView is where the progress goes: the CLI's terminal (a block redrawn in place), or a log (a line per period). */
export interface ProgressView {
  /** Shows the progress (every `everyMs` from the run's start): one line, or the block's lines joined by "\n" when it redraws. */
  show(text: string): void;
  /** Takes the progress away when the run stops (a terminal clears it; a log keeps it). */
  clear?(): void;
  everyMs: number;
  /** Whether show redraws in place (a terminal): then a block with a line per target, else one plain line per period. */
  redraws?: boolean;
}

/** ProgressPlan is what the run is planned to take, when it is known: its length (warmup included) or its measured requests. */
export interface ProgressPlan {
  durationMs?: number;
  requests?: number;
}

/** SpendMeter charges what each result billed and says the spend so far (the budget guard's rule), and the cap if any. */
export interface SpendMeter {
  charge(r: RequestResult): void;
  spentUsd(): number;
  maxUsd?: number;
}

/**
 * ProgressOptions: the targets in the scenario's order, the plan, the spend meter (made when the run starts, on its
 * clock's origin: a result's send time is origin + sentAtMs), and a clock (ms) tests can drive.
 */
export interface ProgressOptions {
  targets?: readonly string[];
  plan?: ProgressPlan;
  spend?: (originEpochMs: number) => SpendMeter;
  now?: () => number;
}

/** TargetProgress is one line of the progress: a target's counts so far and its live TTFT (ms, from first tokens). */
export interface TargetProgress {
  target: string;
  sent: number;
  inFlight: number;
  ok: number;
  failed: number;
  reqPerSec: number;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
}

/** ProgressSnapshot is what one period shows: the run's totals, each target's line, the plan, the ETA and the spend. */
export interface ProgressSnapshot {
  elapsedMs: number;
  plan: ProgressPlan;
  /** Measured user requests that ended (ok, failed or the generator's own failures). */
  done: number;
  etaMs: number | null;
  total: TargetProgress;
  generatorFailed: number;
  warmup: number;
  spentUsd: number | null;
  maxUsd?: number;
  targets: TargetProgress[];
}

// One target's live counters and its histogram of first tokens' TTFT. What was sent is what came back (ended, every
// attempt, warmup included) and what is in flight: exact even from worker threads, whose batches net a request sent and
// back within one batch to no in-flight change at all.
interface Row {
  ended: number;
  inFlight: number;
  ok: number;
  failed: number;
  lastCounted: number;
  ttft: Histogram;
}

/**
 * Progress is the live progress, a run output (k6's and GuideLLM's live view): per target, requests sent, in flight,
 * ok and failed, req/s and a live TTFT p50/p99 recorded as each first token arrives (so it moves from the first second
 * of a run whose requests take long); overall, elapsed against the plan, the ETA and the spend. Per request it costs
 * a few increments and one histogram record; the percentiles are read once a period.
 */
export class Progress implements RunOutput {
  private readonly rows = new Map<string, Row>();
  private readonly all = newHistogram();
  private done = 0;
  private failed = 0;
  private warmup = 0;
  private generator = 0;
  private lastDone = 0;
  private readonly now: () => number;
  private lastAt: number;
  private started: number;
  private timer: NodeJS.Timeout | null = null;
  private spend: SpendMeter | null = null;

  constructor(
    private readonly view?: ProgressView,
    private readonly opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.started = this.lastAt = this.now();
    for (const t of opts.targets ?? []) this.rowOf(t);
  }

  /** start shows the progress every `everyMs` from now on. */
  start(run?: RunStart): void {
    this.started = this.lastAt = this.now();
    if (this.opts.spend) this.spend = this.opts.spend(run?.originEpochMs ?? Date.now() - performance.now());
    if (!this.view || this.timer) return;
    const view = this.view;
    this.timer = setInterval(() => view.show(this.render()), view.everyMs);
  }

  add(r: RequestResult): void {
    this.spend?.charge(r);
    // A target's line counts what was sent to it (attempts of a failover route included)…
    if (isAttempt(r)) {
      const row = this.rowOf(r.target);
      row.ended++;
      if (isMeasured(r) && !isGeneratorFailure(r)) {
        if (r.errorKind === null) row.ok++;
        else row.failed++;
      }
    }
    // …the totals count the user's view: a failover route's attempts are counted in its outcome, once.
    if (!isUserRequest(r)) return;
    if (!isMeasured(r)) this.warmup++;
    else {
      this.done++;
      if (isGeneratorFailure(r)) this.generator++;
      else if (r.errorKind !== null) this.failed++;
    }
  }

  /** inFlight counts a request sent to a target (warmup included) until its return. */
  inFlight(target: string, delta: 1 | -1): void {
    this.rowOf(target).inFlight += delta;
  }

  /** firstToken records a request's TTFT as its first token arrives (warmup included: it is live from the first second). */
  firstToken(target: string, ttftMs: number): void {
    recordMs(this.rowOf(target).ttft, ttftMs);
  }

  /** stop stops showing the progress and takes it away. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.view?.clear?.();
  }

  /** render is what the view shows now: the block on a terminal, else the plain line (rates since the last call). */
  render(): string {
    const s = this.snapshot();
    return this.view?.redraws ? progressBlock(s).join('\n') : progressLine(s);
  }

  /** snapshot reads the counters now; the rates are since the previous snapshot. */
  snapshot(): ProgressSnapshot {
    const now = this.now();
    const perSec = 1000 / Math.max(1, now - this.lastAt);
    const elapsedMs = now - this.started;
    this.all.reset();
    const targets = [...this.rows].map(([target, row]) => {
      this.all.add(row.ttft);
      const counted = row.ok + row.failed;
      const rate = (counted - row.lastCounted) * perSec;
      row.lastCounted = counted;
      return lineOf(target, row, rate, row.ttft);
    });
    const total: TargetProgress = {
      ...lineOf('total', sumRows(this.rows.values()), (this.done - this.lastDone) * perSec, this.all),
      ok: this.done - this.failed - this.generator,
      failed: this.failed,
    };
    this.lastDone = this.done;
    this.lastAt = now;
    const plan = this.opts.plan ?? {};
    const spend = this.spend;
    return {
      elapsedMs,
      plan,
      done: this.done,
      etaMs: etaOf(plan, elapsedMs, this.done),
      total,
      generatorFailed: this.generator,
      warmup: this.warmup,
      spentUsd: spend ? spend.spentUsd() : null,
      ...(spend?.maxUsd !== undefined ? { maxUsd: spend.maxUsd } : {}),
      targets,
    };
  }

  private rowOf(target: string): Row {
    let row = this.rows.get(target);
    if (!row) {
      row = { ended: 0, inFlight: 0, ok: 0, failed: 0, lastCounted: 0, ttft: newHistogram() };
      this.rows.set(target, row);
    }
    return row;
  }
}

// A line's numbers from a row's counters, a rate and a TTFT histogram (µs).
function lineOf(target: string, row: Omit<Row, 'lastCounted' | 'ttft'>, reqPerSec: number, ttft: Histogram): TargetProgress {
  const empty = ttft.totalCount === 0;
  return {
    target,
    sent: row.ended + row.inFlight,
    inFlight: row.inFlight,
    ok: row.ok,
    failed: row.failed,
    reqPerSec,
    ttftP50Ms: empty ? null : ttft.getValueAtPercentile(50) / 1000,
    ttftP99Ms: empty ? null : ttft.getValueAtPercentile(99) / 1000,
  };
}

function sumRows(rows: Iterable<Row>): Omit<Row, 'lastCounted' | 'ttft'> {
  const sum = { ended: 0, inFlight: 0, ok: 0, failed: 0 };
  for (const r of rows) {
    sum.ended += r.ended;
    sum.inFlight += r.inFlight;
  }
  return sum;
}

// The time left: the plan's length less the elapsed time, or the requests left at the average rate so far.
function etaOf(plan: ProgressPlan, elapsedMs: number, done: number): number | null {
  if (plan.durationMs !== undefined) return Math.max(0, plan.durationMs - elapsedMs);
  if (plan.requests !== undefined && done > 0) return (Math.max(0, plan.requests - done) * elapsedMs) / done;
  return null;
}

/** PROGRESS_COLUMNS is the widest a progress line gets: every line of the block fits a terminal of 80 columns. */
export const PROGRESS_COLUMNS = 80;

/**
 * progressBlock renders the terminal's block: a header (elapsed against the plan, ETA, spend, warmup, the generator's
 * own failures), then a line per target and, with several, their total: sent, in flight, ok, failed, req/s, TTFT p50
 * and p99 live. Columns are as wide as their widest cell; each line fits PROGRESS_COLUMNS (long names are cut first).
 */
export function progressBlock(s: ProgressSnapshot): string[] {
  const header = wrap([elapsedWords(s), ...(s.etaMs !== null ? [`ETA ${clock(s.etaMs)}`] : []), ...extras(s)], PROGRESS_COLUMNS);
  const rows = s.targets.length > 1 ? [...s.targets, s.total] : s.targets.length ? s.targets : [s.total];
  const cells = rows.map((t) => [
    count(t.sent),
    count(t.inFlight),
    count(t.ok),
    count(t.failed),
    t.reqPerSec.toFixed(1),
    ms(t.ttftP50Ms),
    ms(t.ttftP99Ms),
  ]);
  const widths = BLOCK_HEADS.map((h, i) => Math.max(h.length, MIN_WIDTHS[i]!, ...cells.map((c) => c[i]!.length)));
  const numbers = widths.reduce((n, w) => n + w + 2, 0);
  const longest = Math.max('target'.length, ...rows.map((t) => t.target.length));
  const nameWidth = Math.max(6, Math.min(NAME_WIDTH, PROGRESS_COLUMNS - numbers, longest));
  const line = (name: string, values: readonly string[]) =>
    `${cut(name, nameWidth).padEnd(nameWidth)}${values.map((v, i) => `  ${v.padStart(widths[i]!)}`).join('')}`.slice(0, PROGRESS_COLUMNS);
  return [...header, line('target', BLOCK_HEADS), ...rows.map((t, k) => line(t.target, cells[k]!))];
}

const BLOCK_HEADS = ['sent', 'in flight', 'ok', 'failed', 'req/s', 'TTFT p50', 'TTFT p99'] as const;
// Room for the usual numbers from the first redraw, so the columns seldom move while a run grows.
const MIN_WIDTHS = [6, 9, 6, 6, 6, 8, 8];
const NAME_WIDTH = 18;

/**
 * progressLine renders one plain line of totals for a log (a stable format for scripts):
 * "12.0s of 15s  ETA 3s  sent 1,234  in flight 24  ok 1,200  failed 3  98.1 req/s  TTFT p50 812ms p99 1,204ms", then
 * the spend, warmup and the generator's own failures when there are any. The TTFT is every target's, live.
 */
export function progressLine(s: ProgressSnapshot): string {
  const t = s.total;
  return [
    elapsedWords(s),
    ...(s.etaMs !== null ? [`ETA ${clock(s.etaMs)}`] : []),
    `sent ${count(t.sent)}`,
    `in flight ${count(t.inFlight)}`,
    `ok ${count(t.ok)}`,
    `failed ${count(t.failed)}`,
    `${t.reqPerSec.toFixed(1)} req/s`,
    `TTFT p50 ${ms(t.ttftP50Ms)} p99 ${ms(t.ttftP99Ms)}`,
    ...extras(s),
  ].join('  ');
}

// "12.0s of 15s", or "12.0s  340 of 1,000 requests", or "12.0s" when nothing is planned.
function elapsedWords(s: ProgressSnapshot): string {
  const at = `${(s.elapsedMs / 1000).toFixed(1)}s`;
  if (s.plan.durationMs !== undefined) return `${at} of ${clock(s.plan.durationMs)}`;
  if (s.plan.requests !== undefined) return `${at}  ${count(s.done)} of ${count(s.plan.requests)} requests`;
  return at;
}

// What follows the totals when there is any: the spend (of the cap), warmup, the generator's own failures.
function extras(s: ProgressSnapshot): string[] {
  return [
    ...(s.spentUsd !== null ? [`spent ${usd(s.spentUsd)}${s.maxUsd !== undefined ? ` of ${usd(s.maxUsd)}` : ''}`] : []),
    ...(s.warmup ? [`+${count(s.warmup)} warmup`] : []),
    ...(s.generatorFailed ? [`${count(s.generatorFailed)} failed on the generator's side`] : []),
  ];
}

// Parts joined by two spaces into as few lines as fit `width`.
function wrap(parts: string[], width: number): string[] {
  const lines: string[] = [];
  for (const p of parts) {
    const last = lines.length ? lines[lines.length - 1]! : null;
    if (last !== null && last.length + 2 + p.length <= width) lines[lines.length - 1] = `${last}  ${p}`;
    else lines.push(p);
  }
  return lines;
}

// A name in `width` characters: cut with "…" when longer.
function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

// A TTFT in whole ms ("1,204ms"), or — before the first token.
function ms(v: number | null): string {
  return v === null ? '—' : `${count(Math.round(v))}ms`;
}

// Dollars: to the cent from $1 up, else to 4 decimals (a run's first cents are worth seeing move).
function usd(v: number): string {
  return `$${v.toFixed(v >= 1 ? 2 : 4)}`;
}

// A length of time as a clock reads it: "45s", "3m05s", "1h02m".
function clock(msLeft: number): string {
  const s = Math.round(msLeft / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}
