/**
 * Isolated example: an ordinary plugin whose plugin.toml asks for a process of its own. Nothing in the code
 * says so: hooks, commands (streaming too), tools, the store, config, data directory, logging and callbacks
 * work the same inline and isolated; only each call costs a trip over IPC.
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

export default plugin;
