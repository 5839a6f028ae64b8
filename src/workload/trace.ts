import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { ChatMessage } from './chat-message.js';
import type { Problem } from '../scenario/validate.js';

/**
 * TraceEntry is one recorded arrival: when (ms after the first arrival), what to send (a prompt
 * size to synthesise, or literal messages) and how long an answer to ask for.
 */
export interface TraceEntry {
  offsetMs: number;
  inputTokens?: number;
  messages?: ChatMessage[];
  maxTokens?: number;
}

const messageSchema = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

// One JSONL line. Time: offsetMs (ms from trace start), or timestamp (epoch seconds, or an ISO-8601
// string); input: inputTokens or messages; output: maxTokens (outputTokens is accepted as an alias,
// as in published LLM serving traces).
const lineSchema = z
  .strictObject({
    offsetMs: z.number().min(0).optional(),
    timestamp: z.union([z.number(), z.string()]).optional(),
    inputTokens: z.number().int().positive().optional(),
    messages: z.array(messageSchema).min(1).optional(),
    maxTokens: z.number().int().positive().optional(),
    outputTokens: z.number().int().positive().optional(),
  })
  .refine((l) => l.offsetMs !== undefined || l.timestamp !== undefined, { error: 'needs offsetMs or timestamp' })
  .refine((l) => l.inputTokens !== undefined || l.messages !== undefined, { error: 'needs inputTokens or messages' });

const MAX_PROBLEMS = 20;

/**
 * loadTrace reads a JSONL trace line by line. Bad lines are reported with their line numbers
 * (the first 20, then a count); blank lines and lines starting with # are skipped. Entries are
 * returned sorted by time, offsets relative to the earliest.
 */
export async function loadTrace(file: string): Promise<{ ok: true; entries: TraceEntry[] } | { ok: false; problems: Problem[] }> {
  const problems: Problem[] = [];
  let bad = 0;
  const raw: { t: number; e: Omit<TraceEntry, 'offsetMs'> }[] = [];
  let lineNo = 0;
  try {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      const text = line.trim();
      if (!text || text.startsWith('#')) continue;
      const report = (message: string) => {
        bad++;
        if (problems.length < MAX_PROBLEMS) problems.push({ path: `${file}:${lineNo}`, message });
      };
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        report('not valid JSON');
        continue;
      }
      const parsed = lineSchema.safeParse(obj);
      if (!parsed.success) {
        report(parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
        continue;
      }
      const l = parsed.data;
      const t = l.offsetMs ?? timestampMs(l.timestamp!);
      if (t === null) {
        report(`timestamp ${JSON.stringify(l.timestamp)} is neither epoch seconds nor an ISO-8601 date`);
        continue;
      }
      const maxTokens = l.maxTokens ?? l.outputTokens;
      raw.push({
        t,
        e: {
          ...(l.inputTokens !== undefined ? { inputTokens: l.inputTokens } : {}),
          ...(l.messages ? { messages: l.messages } : {}),
          ...(maxTokens !== undefined ? { maxTokens } : {}),
        },
      });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problems: [{ path: file, message: code === 'ENOENT' ? 'trace file not found' : `cannot read trace (${code ?? String(err)})` }],
    };
  }
  if (bad > problems.length) problems.push({ path: file, message: `…and ${bad - problems.length} more bad lines` });
  if (problems.length) return { ok: false, problems };
  if (raw.length === 0) return { ok: false, problems: [{ path: file, message: 'trace has no entries' }] };
  raw.sort((a, b) => a.t - b.t);
  const t0 = raw[0]!.t;
  return { ok: true, entries: raw.map(({ t, e }) => ({ offsetMs: t - t0, ...e })) };
}

function timestampMs(ts: number | string): number | null {
  if (typeof ts === 'number') return ts * 1000;
  const ms = Date.parse(ts.includes('T') || ts.endsWith('Z') ? ts : `${ts.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : ms;
}
