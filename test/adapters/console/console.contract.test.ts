import { PassThrough } from 'node:stream';
import { ConsoleAdapter } from '../../../adapters/console/index.js';
import { makeTestApp } from '../../support/app.js';
import { describeAdapterContract } from '../adapter.contract.js';

const TEXT_ONLY = 'the console is text: other segments are printed as their description';

/** The console driver: a delivery is a line typed on its input, a send a `bot>` line of its output. */
describeAdapterContract('console', {
  maxText: Number.POSITIVE_INFINITY,
  lacks: {
    groups: 'the console is one private chat', reconnect: 'there is no link to lose', duplicates: 'every line typed is a new message',
    mentionIn: TEXT_ONLY, mentionOut: TEXT_ONLY, replyIn: TEXT_ONLY, replyOut: TEXT_ONLY, imageIn: TEXT_ONLY, imageOut: TEXT_ONLY, fileIn: TEXT_ONLY, fileOut: TEXT_ONLY,
    split: 'a terminal has no length limit', roles: 'one local user, no roles', selfIgnored: 'only the local user types', botsIgnored: 'only the local user types',
    menu: 'a terminal has no command menu',
  },
}, async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => void (printed += chunk.toString()));
  const adapter = new ConsoleAdapter({ input, output, userId: 'local', interactive: false });
  const { app } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] });
  await app.start();
  return {
    app, adapter, botId: 'console', users: { member: 'local', admin: 'local' },
    chatKey: () => 'console-private_local',
    deliver: async (m) => {
      input.write(`${m.segments.map((s) => (s.type === 'text' ? s.text : '')).join('')}\n`);
      return '';
    },
    redeliver: async () => undefined,
    sent: () => printed.split('\n').filter((l) => l.startsWith('bot> ')).map((l) => [{ type: 'text' as const, text: l.slice(5) }]),
    dropAndReconnect: async () => undefined,
    menu: async () => [],
    stop: () => app.stop(),
  };
});
