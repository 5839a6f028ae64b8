import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadSchema, type Workload } from '../../src/scenario/schema.js';
import { loadDataset, type DatasetEntry } from '../../src/workload/dataset.js';
import { conversationSource, workloadSource, type Conversation } from '../../src/workload/request-source.js';
import { ENCODINGS } from '../../src/scenario/encodings.js';
import { tokenizer } from '../../src/workload/tokenizer.js';

// Conversations: turn k carries the k earlier exchanges (with the replies the caller got back),
// built from (seed, seq) alone so every target replays the same n-th conversation.

function workload(fields: Partial<Record<keyof Workload, unknown>> = {}): Workload {
  return workloadSchema.parse({ name: 'chat', ...fields });
}

/** replay runs a conversation's turns with made-up replies, returning each turn's request. */
function replay(c: Conversation, replies: readonly string[] = ['first reply', 'second, longer reply.', 'third reply 🚀', 'fourth']) {
  return Array.from({ length: c.turns }, (_, k) => c.turn(k, replies.slice(0, k)));
}

const lastUser = (spec: { messages: readonly { content: string }[] }) => spec.messages.at(-1)!.content;

describe('synthetic conversations', () => {
  const REPLIES = ['r0: short', 'r1: a somewhat longer reply, with punctuation.', 'r2: héllo 世界'];

  it.each([
    { name: 'with a system prompt', systemPrompt: 'You are terse.' },
    { name: 'without a system prompt', systemPrompt: undefined },
  ])('turn k = [system?] + k earlier (user, assistant) pairs + the new user message ($name)', ({ systemPrompt }) => {
    const w = workload({ turns: 4, promptTokens: 20, ...(systemPrompt ? { systemPrompt } : {}) });
    const c = workloadSource(w, 7).at(3);
    expect(c.turns).toBe(4);
    const specs = replay(c, REPLIES);
    const ownUser = specs.map(lastUser);
    specs.forEach((spec, k) => {
      const head = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
      const earlier = Array.from({ length: k }, (_, j) => [
        { role: 'user', content: ownUser[j] },
        { role: 'assistant', content: REPLIES[j] },
      ]).flat();
      expect(spec.messages, `turn ${k}`).toEqual([...head, ...earlier, { role: 'user', content: ownUser[k] }]);
      expect(spec.turn).toBe(k + 1); // turn numbers count from 1 in every output
      expect(spec.workload).toBe('chat');
    });
    // Each turn asks something new.
    expect(new Set(ownUser).size).toBe(4);
  });

  it('inputTokensCounted equals the tokenizer count of every message content, turn by turn (both encodings)', () => {
    for (const encoding of ENCODINGS) {
      const tok = tokenizer(encoding);
      const w = workload({ encoding, turns: 3, systemPrompt: 'Be brief.', promptTokens: { dist: 'uniform', min: 5, max: 60 } });
      const src = workloadSource(w, 11);
      for (let seq = 0; seq < 10; seq++) {
        for (const spec of replay(src.at(seq))) {
          expect(spec.inputTokensCounted).toBe(spec.messages.reduce((n, m) => n + tok.count(m.content), 0));
          expect(spec.encoding).toBe(encoding);
        }
      }
    }
  });

  it('the same seq gives the same conversation whatever was asked before, in whatever order', () => {
    const w = workload({ turns: 3, promptTokens: { dist: 'uniform', min: 5, max: 40 }, maxTokens: { dist: 'uniform', min: 1, max: 100 } });
    const a = workloadSource(w, 9);
    const b = workloadSource(w, 9);
    const fromA = replay(a.at(4), REPLIES);
    // b: other conversations first, then turns of seq 4 out of order, on a fresh Conversation each time.
    b.at(9).turn(2, REPLIES.slice(0, 2));
    b.at(0).turn(0, []);
    const t2 = b.at(4).turn(2, REPLIES.slice(0, 2));
    const t0 = b.at(4).turn(0, []);
    const c = b.at(4);
    const t1 = c.turn(1, REPLIES.slice(0, 1));
    expect([t0, t1, t2]).toEqual(fromA);
    expect(b.at(4).thinkTimeMs(2)).toBe(a.at(4).thinkTimeMs(2));
  });

  it('different seqs and seeds give different conversations', () => {
    const w = workload({ promptTokens: 30 });
    const first = (seed: number, seq: number) => lastUser(workloadSource(w, seed).at(seq).turn(0, []));
    expect(first(1, 0)).not.toBe(first(1, 1));
    expect(first(1, 0)).not.toBe(first(2, 0));
  });

  it.each(ENCODINGS)('every turn’s user message is exactly promptTokens tokens (%s)', (encoding) => {
    const tok = tokenizer(encoding);
    const w = workload({ encoding, turns: 4, promptTokens: 37 });
    const src = workloadSource(w, 3);
    for (let seq = 0; seq < 5; seq++) for (const spec of replay(src.at(seq))) expect(tok.count(lastUser(spec))).toBe(37);
  });

  it('a promptTokens distribution: each turn draws its own length from it', () => {
    const values = [9, 33, 71];
    const tok = tokenizer();
    const w = workload({ turns: 3, promptTokens: { dist: 'empirical', values } });
    const src = workloadSource(w, 5);
    const lengths = Array.from({ length: 20 }, (_, seq) => replay(src.at(seq)).map((s) => tok.count(lastUser(s)))).flat();
    for (const n of lengths) expect(values).toContain(n);
    expect(new Set(lengths)).toEqual(new Set(values));
  });

  describe.each(ENCODINGS)('sharedPrefixTokens (%s)', (encoding) => {
    const tok = tokenizer(encoding);
    const N = 50;
    const PROMPT = 200;
    const w = workload({ encoding, turns: 2, promptTokens: PROMPT, sharedPrefixTokens: N });
    const src = workloadSource(w, 103);
    const firsts = Array.from({ length: 20 }, (_, seq) => replay(src.at(seq)));
    const firstUser = firsts.map((specs) => lastUser(specs[0]!));
    // The prefix is made of one-token words joined by spaces: its first N words.
    const prefix = firstUser[0]!.split(' ').slice(0, N).join(' ');

    it('every first user message starts with the same prefix of exactly N tokens, and is exactly promptTokens', () => {
      expect(tok.count(prefix)).toBe(N);
      for (const m of firstUser) {
        expect(m.startsWith(`${prefix} `)).toBe(true);
        expect(tok.count(m)).toBe(PROMPT);
        // Token-level prefix too: what a provider's prompt cache keys on.
        expect(tok.encode(m).slice(0, N)).toEqual(tok.encode(prefix));
      }
    });

    it('the rest differs between conversations', () => {
      expect(new Set(firstUser.map((m) => m.slice(prefix.length))).size).toBe(firstUser.length);
    });

    it('later turns are plain prompts of promptTokens (the prefix is the first message’s)', () => {
      for (const specs of firsts) {
        const second = lastUser(specs[1]!);
        expect(tok.count(second)).toBe(PROMPT);
        expect(second.startsWith(prefix)).toBe(false);
      }
    });

    it('another seed gives another prefix', () => {
      const other = lastUser(workloadSource(w, 104).at(0).turn(0, []));
      expect(other.startsWith(prefix)).toBe(false);
    });

    it('promptTokens equal to the prefix: the message is the prefix alone', () => {
      const whole = workload({ encoding, promptTokens: N, sharedPrefixTokens: N });
      const a = lastUser(workloadSource(whole, 1).at(0).turn(0, []));
      const b = lastUser(workloadSource(whole, 1).at(1).turn(0, []));
      expect(a).toBe(b);
      expect(tok.count(a)).toBe(N);
    });
  });

  it('maxTokens as a distribution: draws vary, and every one is a whole number ≥ 1', () => {
    // uniform 0..40 rounds some draws to 0: the source must still ask for at least one token.
    const w = workload({ turns: 3, promptTokens: 4, maxTokens: { dist: 'uniform', min: 0, max: 40 } });
    const src = workloadSource(w, 21);
    const limits = Array.from({ length: 40 }, (_, seq) => replay(src.at(seq)).map((s) => s.maxTokens)).flat();
    for (const n of limits) {
      expect(Number.isInteger(n)).toBe(true);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(40);
    }
    expect(new Set(limits).size).toBeGreaterThan(10);
    const tiny = workload({ maxTokens: { dist: 'uniform', min: 0, max: 0.4 } });
    expect(workloadSource(tiny, 1).at(0).turn(0, []).maxTokens).toBe(1);
  });

  it('carries the workload’s request settings into every turn', () => {
    const w = workload({ turns: 2, maxTokens: 33, stream: false, tokenLimitField: 'max_completion_tokens', promptTokens: 5 });
    for (const spec of replay(workloadSource(w, 1).at(0))) {
      expect(spec).toMatchObject({ maxTokens: 33, stream: false, tokenLimitField: 'max_completion_tokens', encoding: 'o200k_base' });
    }
  });

  it('thinkTimeMs is deterministic per (seq, k) and varies across both', () => {
    const w = workload({ turns: 4, promptTokens: 4, thinkTimeMs: { dist: 'uniform', min: 100, max: 5000 } });
    const a = workloadSource(w, 8);
    const b = workloadSource(w, 8);
    const grid = (src: typeof a) => Array.from({ length: 10 }, (_, seq) => [1, 2, 3].map((k) => src.at(seq).thinkTimeMs(k)));
    const ga = grid(a);
    expect(grid(b)).toEqual(ga);
    // Asked twice on one conversation, or out of order: the same value.
    const c = a.at(6);
    expect([c.thinkTimeMs(3), c.thinkTimeMs(1), c.thinkTimeMs(3)]).toEqual([ga[6]![2], ga[6]![0], ga[6]![2]]);
    const flat = ga.flat();
    for (const t of flat) {
      expect(t).toBeGreaterThanOrEqual(100);
      expect(t).toBeLessThanOrEqual(5000);
    }
    expect(new Set(flat).size).toBe(flat.length);
    expect(workloadSource(w, 9).at(0).thinkTimeMs(1)).not.toBe(ga[0]![0]);
  });

  it('a constant thinkTimeMs is that constant, and the default is 0', () => {
    expect(
      workloadSource(workload({ thinkTimeMs: 250 }), 1)
        .at(3)
        .thinkTimeMs(1),
    ).toBe(250);
    expect(workloadSource(workload({}), 1).at(3).thinkTimeMs(1)).toBe(0);
  });
});

describe('datasets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-dataset-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  const msg = (role: string, content: string) => ({ role, content });
  const SUPPORT = {
    messages: [
      msg('system', 'You are the support agent of a bakery.'),
      msg('user', 'Is the sourdough vegan?'),
      msg('assistant', 'Yes, our sourdough contains only flour, water and salt.'),
      msg('user', 'And the croissants?'),
      msg('assistant', 'No, the croissants are made with butter.'),
      msg('user', 'Do you deliver on Sundays?'),
      msg('assistant', 'We deliver every day except Monday, between 8am and noon, within ten kilometres of the shop.'),
    ],
  };
  const NO_SYSTEM = { messages: [msg('user', 'What are your opening hours?'), msg('assistant', '7am to 6pm.')] };
  const ONE_MORE = { messages: [msg('system', 'Be brief.'), msg('user', 'Gluten free options?'), msg('assistant', 'Two breads.')] };

  /** openaiJsonl: a comment and a blank line first, so line numbers are real file lines. */
  const openaiJsonl = () => `${['# support chats', '', ...[SUPPORT, NO_SYSTEM, ONE_MORE].map((o) => JSON.stringify(o))].join('\n')}\n`;

  async function loaded(path: string): Promise<DatasetEntry[]> {
    const d = await loadDataset(path);
    if (!d.ok) throw new Error(`dataset did not load: ${JSON.stringify(d.problems)}`);
    return d.entries;
  }

  it('reads OpenAI messages JSONL: system prompt, user turns and reference replies in order', async () => {
    const entries = await loaded(await file('support.jsonl', openaiJsonl()));
    expect(entries).toEqual([
      {
        system: 'You are the support agent of a bakery.',
        userTurns: ['Is the sourdough vegan?', 'And the croissants?', 'Do you deliver on Sundays?'],
        referenceReplies: [SUPPORT.messages[2]!.content, SUPPORT.messages[4]!.content, SUPPORT.messages[6]!.content],
      },
      { userTurns: ['What are your opening hours?'], referenceReplies: ['7am to 6pm.'] },
      { system: 'Be brief.', userTurns: ['Gluten free options?'], referenceReplies: ['Two breads.'] },
    ]);
  });

  it('reads a ShareGPT JSON array (human / gpt / system)', async () => {
    const doc = [
      {
        id: 'a',
        conversations: [
          { from: 'human', value: 'Write a haiku.' },
          { from: 'gpt', value: 'Five seven five.' },
        ],
      },
      {
        id: 'b',
        conversations: [
          { from: 'system', value: 'You are a poet.' },
          { from: 'human', value: 'A limerick?' },
          { from: 'gpt', value: 'There once was a test.' },
          { from: 'human', value: 'Another.' },
        ],
      },
    ];
    const entries = await loaded(await file('sharegpt.json', JSON.stringify(doc, null, 1)));
    expect(entries).toEqual([
      { userTurns: ['Write a haiku.'], referenceReplies: ['Five seven five.'] },
      { system: 'You are a poet.', userTurns: ['A limerick?', 'Another.'], referenceReplies: ['There once was a test.'] },
    ]);
  });

  it('reports every bad JSONL line by its line number, and loads nothing', async () => {
    const lines = [
      JSON.stringify(SUPPORT), // 1: fine
      '{"messages": [ not json', // 2
      JSON.stringify({ messages: [msg('system', 'x'), msg('assistant', 'hello')] }), // 3: no user turn
      '', // 4: blank, skipped
      JSON.stringify({ conversations: [{ from: 'robot', value: 'beep' }] }), // 5: bad from
      JSON.stringify({ prompt: 'hi' }), // 6: neither format
      JSON.stringify({ messages: [{ role: 'user' }] }), // 7: no content
    ];
    const path = await file('bad.jsonl', lines.join('\n'));
    const d = await loadDataset(path);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.problems).toEqual([
      { path: `${path}:2`, message: expect.stringContaining('not valid JSON') },
      { path: `${path}:3`, message: expect.stringContaining('no user turn') },
      { path: `${path}:5`, message: expect.stringContaining('"robot" is not human, gpt or system') },
      { path: `${path}:6`, message: expect.stringContaining('expected "messages"') },
      { path: `${path}:7`, message: expect.stringContaining('messages[0] needs a string role and content') },
    ]);
  });

  it('reports bad entries of a JSON array by index', async () => {
    const doc = [
      { conversations: [{ from: 'human', value: 'ok' }] },
      { conversations: [{ from: 'gpt', value: 'a reply to nothing' }] },
      'a string',
      { conversations: [{ from: 'alien', value: '?' }] },
    ];
    const path = await file('bad.json', JSON.stringify(doc));
    const d = await loadDataset(path);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.problems.map((p) => p.path)).toEqual([`${path}:[1]`, `${path}:[2]`, `${path}:[3]`]);
    expect(d.problems[0]!.message).toContain('no user turn');
    expect(d.problems[2]!.message).toContain('"alien"');
  });

  it.each([
    { name: 'a missing file', text: null, message: 'not found' },
    { name: 'an empty file', text: '# only a comment\n\n', message: 'no entries' },
    { name: 'a broken JSON array', text: '[{"conversations": [', message: 'not valid JSON' },
  ])('reports $name as one problem naming the file', async ({ name, text, message }) => {
    const path = text === null ? join(dir, 'does-not-exist.jsonl') : await file(`${name.replace(/\W+/g, '-')}.jsonl`, text);
    const d = await loadDataset(path);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.problems).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  describe('conversations from a dataset', () => {
    let entries: DatasetEntry[];
    beforeAll(async () => {
      entries = await loaded(await file('replay.jsonl', openaiJsonl()));
    });
    const REPLIES = ['live reply one', 'live reply two', 'live reply three', 'four'];
    const ds = (fields: Partial<Record<keyof Workload, unknown>>, dataset: Record<string, unknown>) =>
      workload({ name: 'ds', maxTokens: 50, dataset: { file: 'replay.jsonl', ...dataset }, ...fields });

    it.each([
      { turns: 1, expected: 1 },
      { turns: 2, expected: 2 },
      { turns: 3, expected: 3 },
      { turns: 5, expected: 3 },
    ])('turns = min(workload turns $turns, the entry’s user turns) = $expected', ({ turns, expected }) => {
      const src = workloadSource(ds({ turns }, { order: 'sequential' }), 1, entries);
      expect(src.at(0).turns).toBe(expected);
      expect(src.at(1).turns).toBe(1);
    });

    it('replays the entry’s user turns with the live replies, under the entry’s system prompt', () => {
      const w = ds({ turns: 5, systemPrompt: 'workload system prompt' }, { order: 'sequential' });
      const c = workloadSource(w, 1, entries).at(0);
      const specs = replay(c, REPLIES);
      expect(specs).toHaveLength(3);
      const e = entries[0]!;
      expect(specs[2]!.messages).toEqual([
        { role: 'system', content: e.system },
        { role: 'user', content: e.userTurns[0] },
        { role: 'assistant', content: REPLIES[0] },
        { role: 'user', content: e.userTurns[1] },
        { role: 'assistant', content: REPLIES[1] },
        { role: 'user', content: e.userTurns[2] },
      ]);
      // The reference replies are never sent.
      expect(JSON.stringify(specs)).not.toContain(e.referenceReplies[0]);
      const tok = tokenizer();
      for (const s of specs) {
        expect(s.maxTokens).toBe(50);
        expect(s.inputTokensCounted).toBe(s.messages.reduce((n, m) => n + tok.count(m.content), 0));
      }
    });

    it('an entry without a system prompt falls back to the workload’s', () => {
      const w = ds({ systemPrompt: 'workload system prompt' }, { order: 'sequential' });
      expect(workloadSource(w, 1, entries).at(1).turn(0, []).messages[0]).toEqual({ role: 'system', content: 'workload system prompt' });
    });

    it('outputLength reference: each turn’s maxTokens is the token count of that turn’s reference reply', () => {
      const tok = tokenizer();
      const w = ds({ turns: 3 }, { order: 'sequential', outputLength: 'reference' });
      const src = workloadSource(w, 1, entries);
      for (let seq = 0; seq < 3; seq++) {
        const e = entries[seq]!;
        const specs = replay(src.at(seq), REPLIES);
        expect(specs.map((s) => s.maxTokens)).toEqual(e.referenceReplies.slice(0, specs.length).map((r) => tok.count(r)));
      }
      // The three replies of entry 0 differ in length, so the limits really are per turn.
      expect(new Set(replay(src.at(0)).map((s) => s.maxTokens)).size).toBe(3);
    });

    it('sequential order walks the entries in file order and wraps', () => {
      const src = workloadSource(ds({}, { order: 'sequential' }), 1, entries);
      const firstUsers = Array.from({ length: 7 }, (_, seq) => lastUser(src.at(seq).turn(0, [])));
      const expected = entries.map((e) => e.userTurns[0]!);
      expect(firstUsers).toEqual([...expected, ...expected, expected[0]]);
    });

    // In a mix, sequential order follows the dataset workload's own conversation count, not the
    // mix's arrival number, so the file is walked in order whatever the interleaving.
    it('sequential order in a mix: the dataset workload’s own conversations walk the file in order', () => {
      const five = ['e0', 'e1', 'e2', 'e3', 'e4'].map((u) => ({ userTurns: [u], referenceReplies: [] }));
      const mix = [workload({ name: 'synthetic', promptTokens: 4 }), ds({}, { order: 'sequential' })];
      const src = conversationSource(mix, 1, { datasets: new Map([['ds', five]]) });
      const replayed: string[] = [];
      for (let seq = 0; seq < 40 && replayed.length < 7; seq++) {
        const c = src.at(seq);
        if (c.workload === 'ds') replayed.push(lastUser(c.turn(0, [])));
      }
      expect(replayed).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e0', 'e1']);
    });

    it('random order: seeded, reproducible, and reaches every entry', () => {
      const pickOrder = (seed: number) => {
        const src = workloadSource(ds({}, { order: 'random' }), seed, entries);
        return Array.from({ length: 30 }, (_, seq) => entries.findIndex((e) => e.userTurns[0] === lastUser(src.at(seq).turn(0, []))));
      };
      const a = pickOrder(4);
      expect(pickOrder(4)).toEqual(a);
      expect(new Set(a)).toEqual(new Set([0, 1, 2]));
      expect(pickOrder(5)).not.toEqual(a);
    });
  });
});
