import { TelegramAdapter, telegramCommandSource } from '../../../adapters/telegram/index.js';
import type { Segment } from '../../../core/message/index.js';
import { makeTestApp } from '../../support/app.js';
import { describeAdapterContract, type ChatKind, type Delivery } from '../adapter.contract.js';
import { FakeBotApi, groupText, privateText, user, type FakeCall, type FakeEntity, type FakeMessage } from '../../peers/telegram/fake-bot-api.js';

const GROUP = -1001;
const MEMBER = 42;
const ADMIN = 43;

/** The Telegram driver: deliveries become updates of the fake Bot API (long polling), sends are read back from its calls. */
describeAdapterContract('telegram', {
  maxText: 4096,
  lacks: {
    mentionOut: 'the Telegram adapter writes an `at` as @name text, not a text_mention entity',
    selfIgnored: "the Bot API never delivers a bot's own messages to it",
    botsIgnored: 'the Bot API does not deliver messages of other bots to a bot',
  },
}, async () => {
  const api = new FakeBotApi();
  await api.start();
  api.setAdmins(GROUP, [{ user: user(ADMIN), status: 'administrator' }]);
  const { app } = makeTestApp({ DEBOUNCE_MS: '30' });
  const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1, commands: telegramCommandSource(app.commands) });
  app.addAdapter(adapter);
  await app.start();
  await api.waitForCall('getUpdates');
  let last: Record<string, unknown> | undefined;
  const deliver = async (m: Delivery): Promise<string> => {
    const from = m.from === 'admin' ? user(ADMIN) : user(MEMBER);
    const chatId = m.chat === 'group' ? GROUP : MEMBER;
    const message = toMessage(chatId, from, m.segments, api.bot);
    last = api.pushMessage(message);
    return `${chatId}:${message.message_id}`;
  };
  const chatIdOf = (chat: ChatKind) => (chat === 'group' ? GROUP : MEMBER);
  return {
    app, adapter, botId: String(api.bot.id), users: { member: String(MEMBER), admin: String(ADMIN) },
    chatKey: (chat) => `telegram-${chat}_${chatIdOf(chat)}`,
    deliver,
    redeliver: async () => void api.pushBatch([last as never]),
    sent: (chat) => api.calls.filter((c) => c.method.startsWith('send') && Number(c.params.chat_id) === chatIdOf(chat)).map((c) => fromCall(c, chatIdOf(chat))),
    dropAndReconnect: async () => {
      // The Bot API (or a proxy before it) failing: grammY polls again after its back-off. The poll under way
      // is recorded already; the next one fails, the one after it is the link back.
      const polls = api.callsOf('getUpdates').length;
      api.fail('getUpdates', 502, 'Bad Gateway');
      await api.waitForCall('getUpdates', () => api.callsOf('getUpdates').length >= polls + 2, 15_000);
    },
    menu: async () => {
      await adapter.menuSettled();
      return ((api.commandsFor('') ?? []) as { command: string }[]).map((c) => c.command);
    },
    stop: async () => {
      await app.stop();
      await api.stop();
    },
  };
});

/** A text message with mention entities, a reply, a photo or a document, as Telegram delivers them. */
function toMessage(chatId: number, from: ReturnType<typeof user>, segments: Segment[], bot: { id: number; username?: string }): FakeMessage {
  let text = '';
  const entities: FakeEntity[] = [];
  const extra: Record<string, unknown> = {};
  let reply: Record<string, unknown> | undefined;
  for (const s of segments) {
    if (s.type === 'text') text += s.text;
    else if (s.type === 'at') {
      const toBot = s.userId === String(bot.id);
      const mention = toBot ? `@${bot.username!}` : `user${s.userId}`;
      entities.push(toBot ? { type: 'mention', offset: text.length, length: mention.length } : { type: 'text_mention', offset: text.length, length: mention.length, user: user(Number(s.userId)) });
      text += mention;
    } else if (s.type === 'reply') {
      const [chat, id] = s.messageId.split(':');
      reply = { message_id: Number(id), date: 1, chat: { id: Number(chat), type: chatId > 0 ? 'private' : 'supergroup' }, from: user(MEMBER), text: 'earlier' };
    } else if (s.type === 'image') extra.photo = [{ file_id: 'PHOTO', file_unique_id: 'uPHOTO', width: 10, height: 10, file_size: 100 }];
    else if (s.type === 'file') extra.document = { file_id: 'DOC', file_unique_id: 'uDOC', file_name: s.name ?? 'file', mime_type: 'application/pdf', file_size: 10 };
  }
  const options = { from, extra, ...(entities.length > 0 ? { entities } : {}), ...(reply ? { reply_to_message: reply } : {}) };
  return chatId > 0 ? privateText(chatId, text, options) : groupText(chatId, from.id, text, options);
}

/** A send the bot made, as a user sees it. */
function fromCall(c: FakeCall, chatId: number): Segment[] {
  const out: Segment[] = [];
  const quoted = (c.params.reply_parameters as { message_id?: number } | undefined)?.message_id;
  if (quoted !== undefined) out.push({ type: 'reply', messageId: `${chatId}:${quoted}` });
  const text = (c.params.text ?? c.params.caption) as string | undefined;
  if (text) out.push({ type: 'text', text });
  if (c.method === 'sendPhoto') out.push({ type: 'image' });
  if (c.method === 'sendDocument') out.push({ type: 'file' });
  return out;
}
