import { readFile } from 'node:fs/promises';
import type { Problem } from '../scenario/validate.js';

/**
 * DatasetEntry is one conversation from a dataset: its system prompt, its user turns in order,
 * and the reference replies that followed them (used only for their length, never sent).
 */
export interface DatasetEntry {
  system?: string;
  userTurns: string[];
  referenceReplies: string[];
}

const MAX_PROBLEMS = 20;

/**
 * loadDataset reads a dataset file: JSONL with one conversation per line, or a JSON array (as the
 * ShareGPT dump is distributed). Each conversation is {"messages": [{role, content}]} (OpenAI
 * format) or {"conversations": [{from, value}]} (ShareGPT: human / gpt / system). Bad entries are
 * reported with their line (JSONL) or index (array); an entry without a user turn is bad.
 */
export async function loadDataset(file: string): Promise<{ ok: true; entries: DatasetEntry[] } | { ok: false; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problems: [{ path: file, message: code === 'ENOENT' ? 'dataset file not found' : `cannot read dataset (${code ?? String(err)})` }],
    };
  }
  const problems: Problem[] = [];
  let bad = 0;
  const entries: DatasetEntry[] = [];
  const take = (where: string, obj: unknown) => {
    const e = toEntry(obj);
    if (typeof e === 'string') {
      bad++;
      if (problems.length < MAX_PROBLEMS) problems.push({ path: `${file}:${where}`, message: e });
    } else entries.push(e);
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch (err) {
      return { ok: false, problems: [{ path: file, message: `not valid JSON (${(err as Error).message})` }] };
    }
    for (const [i, obj] of (arr as unknown[]).entries()) take(`[${i}]`, obj);
  } else {
    text.split(/\r?\n/).forEach((line, i) => {
      const l = line.trim();
      if (!l || l.startsWith('#')) return;
      let obj: unknown;
      try {
        obj = JSON.parse(l);
      } catch {
        take(String(i + 1), 'not valid JSON');
        return;
      }
      take(String(i + 1), obj);
    });
  }
  if (bad > problems.length) problems.push({ path: file, message: `…and ${bad - problems.length} more bad entries` });
  if (problems.length) return { ok: false, problems };
  if (!entries.length) return { ok: false, problems: [{ path: file, message: 'dataset has no entries' }] };
  return { ok: true, entries };
}

// toEntry reads one conversation, or says what is wrong with it.
function toEntry(obj: unknown): DatasetEntry | string {
  if (typeof obj === 'string') return obj;
  if (typeof obj !== 'object' || obj === null) return 'expected an object with "messages" or "conversations"';
  const o = obj as { messages?: unknown; conversations?: unknown };
  let turns: { role: string; content: string }[];
  if (Array.isArray(o.messages)) {
    turns = [];
    for (const [i, m] of o.messages.entries()) {
      const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
      if (typeof role !== 'string' || typeof content !== 'string') return `messages[${i}] needs a string role and content`;
      turns.push({ role, content });
    }
  } else if (Array.isArray(o.conversations)) {
    turns = [];
    const roles: Record<string, string> = {
      human: 'user',
      user: 'user',
      gpt: 'assistant',
      chatgpt: 'assistant',
      bing: 'assistant',
      bard: 'assistant',
      assistant: 'assistant',
      system: 'system',
    };
    for (const [i, m] of o.conversations.entries()) {
      const { from, value } = (m ?? {}) as { from?: unknown; value?: unknown };
      if (typeof from !== 'string' || typeof value !== 'string') return `conversations[${i}] needs a string from and value`;
      const role = roles[from.toLowerCase()];
      if (!role) return `conversations[${i}].from ${JSON.stringify(from)} is not human, gpt or system`;
      turns.push({ role, content: value });
    }
  } else return 'expected "messages" (OpenAI format) or "conversations" (ShareGPT format)';
  const entry: DatasetEntry = { userTurns: [], referenceReplies: [] };
  for (const t of turns) {
    if (t.role === 'system') entry.system ??= t.content;
    else if (t.role === 'user') entry.userTurns.push(t.content);
    // A reply answers the latest user message (two user messages in a row: it answers the second).
    else if (t.role === 'assistant' && entry.userTurns.length > 0 && entry.referenceReplies[entry.userTurns.length - 1] === undefined)
      entry.referenceReplies[entry.userTurns.length - 1] = t.content;
  }
  if (!entry.userTurns.length || entry.userTurns.every((u) => !u.trim())) return 'has no user turn';
  return entry;
}
