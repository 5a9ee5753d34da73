import { afterEach, describe, expect, it } from 'vitest';
import { MsgSignal, Priority } from '../../core/hooks/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage } from '../support/messages.js';
import { chatPolicy, makePlugin } from '../support/plugins.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop('test done');
  app = undefined;
});

/** A Nekro plugin answering BLOCK_TRIGGER, and a KiraAI-style hook above it forcing `trigger` (optionally outranking signals). */
async function start(outrankSignals: boolean): Promise<{ app: App; lines: Record<string, unknown>[]; nekro: string; gate: string }> {
  const nekro = makePlugin();
  nekro.mountOnUserMessage(() => MsgSignal.BLOCK_TRIGGER);
  const gate = makePlugin();
  gate.on('im_message', (e) => void e.trigger(outrankSignals ? { outrankSignals: true } : { force: true }), { priority: Priority.SYS_HIGH });
  const made = makeTestApp({ LOG_LEVEL: 'debug', PLUGINS_ENABLED: `${nekro.key},${gate.key}` }, { plugins: [chatPolicy(), gate, nekro], builtinPluginDirs: [] });
  app = made.app;
  await app.start();
  return { app: made.app, lines: made.lines, nekro: nekro.key, gate: gate.key };
}

describe('MsgSignal precedence (README "MsgSignal precedence")', () => {
  it('a BLOCK_TRIGGER wins over a strategy another hook forced: recorded, not answered, and logged with both owners', async () => {
    const t = await start(false);
    const result = await t.app.ingest(makeMessage('hello'));
    expect(result.outcome).toBe('record');
    expect(await t.app.store.history.count('test-private_c1')).toBe(1);
    const line = t.lines.find((l) => l.msg === `im_message: ${t.nekro}'s record overrides ${t.gate}'s trigger`);
    expect(line).toMatchObject({ level: 20, chatKey: 'test-private_c1', by: t.nekro, overBy: t.gate, strategy: 'record', over: 'trigger', taken: true });
  });

  it('a hook that forces with outrankSignals keeps its strategy, and the refused signal is logged', async () => {
    const t = await start(true);
    const result = await t.app.ingest(makeMessage('hello'));
    expect(result.outcome).toBe('trigger');
    expect(t.lines.find((l) => l.msg === `im_message: ${t.nekro}'s record is refused: ${t.gate} locked trigger`)).toMatchObject({ level: 20, taken: false });
  });
});
