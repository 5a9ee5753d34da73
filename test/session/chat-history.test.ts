import { afterEach, describe, expect, it } from 'vitest';
import sandboxExample from '../../plugins/examples/sandbox-methods/index.js';
import type { HistoryRole } from '../../core/store/index.js';
import { startAgentChat } from '../support/agent.js';
import { historyAppendUses } from './history-writer.js';

let current: Awaited<ReturnType<typeof startAgentChat>> | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

const method = (name: string) => `${sandboxExample.key}.${name}`.replace(/[^A-Za-z0-9_-]/g, '_');

describe('chat history has one writer', () => {
  it('only core/session/chat-history.ts calls a history store append in the shipped source', () => {
    const uses = historyAppendUses();
    expect(uses.map((u) => u.owner)).toContain('HistoryStore');
    expect([...new Set(uses.map((u) => u.file))]).toEqual(['core/session/chat-history.ts']);
  });

  it('records what every source hands it once, with one count and one line per entry', async () => {
    current = await startAgentChat({ PLUGINS_ENABLED: sandboxExample.key, RECORD_COMMAND_INPUT: '1' }, { plugins: [sandboxExample] });
    const { app, fake, ask, say, lines } = current;
    const chatKey = 'test-private_c1';
    // The pipeline (the user's message), the sender (the reply), the agent (a BEHAVIOR method's note).
    fake.script({ text: '<msg><text>noted</text></msg>', toolCalls: [{ name: method('remember'), arguments: { text: 'cats rule' } }] });
    expect(await ask('remember: cats rule')).toEqual(['noted']);
    // A command line kept by RECORD_COMMAND_INPUT, and its output through the sender.
    expect((await say('/help')).length).toBeGreaterThan(0);
    // A plugin's system message.
    await app.plugins.pushSystemMessage(chatKey, 'a note from a plugin');

    await app.history.flush();
    const rows = await app.store.history.recent(chatKey, 1000);
    expect(rows.map((r) => [r.role, r.text])).toEqual(
      expect.arrayContaining([
        ['user', 'remember: cats rule'],
        ['system', expect.stringContaining('Remembered: cats rule')],
        ['bot', 'noted'],
        ['user', '/help'],
        ['system', 'a note from a plugin'],
      ]),
    );
    for (const role of ['user', 'bot', 'system'] satisfies HistoryRole[]) {
      expect({ role, counted: app.metrics.get('history_entries_total', { role }) }).toEqual({ role, counted: rows.filter((r) => r.role === role).length });
    }
    const logged = lines.filter((l) => typeof l.msg === 'string' && /^history: \w+ entry recorded$/.test(l.msg));
    expect(logged.map((l) => [l.role, l.messageId])).toEqual(rows.map((r) => [r.role, r.messageId]));
  });
});
