/**
 * Isolated example: an ordinary plugin whose plugin.toml asks for a process of its own. Nothing in the code
 * says so: hooks, commands (streaming too), tools, the store, config, data directory, logging, callbacks and
 * N.E.K.O's entries, runs, lifecycle, timers, custom events, calls, the bus and HTTP routes work the same
 * inline and isolated; only each call costs a trip over IPC.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { Arg, CmdCtl } from '../../../core/command/index.js';
import { Plugin } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Isolated example',
  moduleName: 'example_isolated',
  description: 'Notes per chat, kept in the store and the data directory, from a plugin process',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/isolated',
  config: z.object({ greeting: z.string().min(1).default('noted') }),
});

// "urgent" is answered at once, whatever the chat policy chose; spam never reaches the store.
plugin.on('im_message', (event) => {
  const text = event.message.text.toLowerCase();
  if (text.includes('spam')) event.discard({ force: true });
  else if (text.includes('urgent')) event.trigger({ force: true });
});

plugin.mountCommand(
  { name: 'note', description: 'Keeps a note for this chat', args: { text: Arg.str('the note', { positional: true, greedy: true }) } },
  async (ctx, { text }) => {
    await plugin.store.set({ chatKey: ctx.chatKey, storeKey: 'note', value: text });
    fs.appendFileSync(plugin.getPluginPath('notes.log'), `${ctx.chatKey}\t${text}\n`);
    plugin.log.info({ chatKey: ctx.chatKey }, 'note kept');
    return CmdCtl.success(`${plugin.config.greeting}: ${text}`);
  },
);

plugin.mountCommand({ name: 'recall', description: 'Says the note of this chat' }, async (ctx) => {
  const note = await plugin.store.get({ chatKey: ctx.chatKey, storeKey: 'note' });
  return note === undefined ? CmdCtl.failed('no note') : CmdCtl.success(note);
});

// A streaming command: each step reaches the chat as it is yielded.
plugin.mountCommand({ name: 'countdown', description: 'Counts down from 3' }, async function* () {
  for (const n of [3, 2, 1]) yield CmdCtl.message(String(n));
  yield CmdCtl.success('liftoff');
});

plugin.registerTool({
  name: 'example_isolated_note',
  description: 'The note kept for a chat',
  parameters: z.object({ chatKey: z.string() }),
  execute: async ({ chatKey }) => (await plugin.store.get({ chatKey, storeKey: 'note' })) ?? 'no note',
});

// Nekro's reset callback: a reset chat forgets its note.
plugin.mountOnChannelReset(async (ctx) => {
  await plugin.store.delete({ chatKey: ctx.chatKey, storeKey: 'note' });
});

// --- N.E.K.O's side: entries (one runs long), a lifecycle handler, a timer, a custom event, a route, the bus ---

plugin.entry(
  'recall',
  { description: "A chat's note, said `times` times", input: z.object({ chatKey: z.string(), times: z.number().int().min(1).max(5).default(1) }) },
  async ({ chatKey, times }) => {
    const note = await plugin.store.get({ chatKey, storeKey: 'note' });
    return Array.from({ length: times }, () => note ?? 'no note').join(' ');
  },
);

// Started as a run: progress, a text and a binary export, and it stops when its signal is aborted (a cancel).
plugin.entry('archive', { description: 'Exports every note; `slow` waits for a cancel' }, async (args, call) => {
  const run = call.run;
  if (!run) return 'start me as a run';
  const notes = await plugin.store.list({ prefix: 'note' });
  await run.progress(0.5, { stage: 'collect', message: `${notes.length} notes` });
  if ((args as { slow?: boolean }).slow) {
    await new Promise((resolve) => call.signal.addEventListener('abort', resolve, { once: true }));
    return 'canceled';
  }
  await run.export({ type: 'text', text: notes.map((n) => n.value).join('\n'), description: 'the notes' });
  await run.export({ type: 'binary', data: new TextEncoder().encode(String(notes.length)), name: 'count.txt', mime: 'text/plain' });
  await run.progress(1, { stage: 'done' });
  return notes.length;
});

// Passes a call on to another plugin's entry: with the call chain, so a cycle through this process is refused.
plugin.entry('relay', { input: z.object({ plugin: z.string(), entry: z.string() }) }, ({ plugin: target, entry }) => plugin.callPlugin(target, entry));

plugin.onLifecycle('startup', () => plugin.ctx.reportStatus({ ready: true }));

plugin.timer('heartbeat', { every: 100 }, async () => {
  const beats = Number((await plugin.store.get({ storeKey: 'beats' })) ?? '0');
  await plugin.store.set({ storeKey: 'beats', value: String(beats + 1) });
});

plugin.onCustomEvent('note_wanted', 'push', async (payload) => {
  const chatKey = (payload as { chatKey: string }).chatKey;
  const note = await plugin.store.get({ chatKey, storeKey: 'note' });
  await plugin.ctx.pushMessage({ content: note ?? 'no note', chatKey, description: 'a note asked for' });
});

plugin.route('GET', '/notes', async (c) => {
  const note = await plugin.store.get({ chatKey: c.req.query('chat') ?? '', storeKey: 'note' });
  return note === undefined ? c.json({ error: 'no note' }, 404) : c.json({ note });
});

// Watches what the bot sends (the bus's messages topic) and counts it; the watch ends when the plugin is disabled.
let sent = 0;
plugin.onEnabled(() => {
  plugin.ctx.bus.messages.watch({ type: 'sent', text: /^\w+: / }, () => void sent++);
});
plugin.entry('sent_notes', {}, () => sent);

export default plugin;
