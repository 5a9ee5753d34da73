import type { Segment } from '../../../core/message/index.js';
import { describeAdapterContract, type ChatKind, type Delivery } from '../adapter.contract.js';
import { message, type Json, type MessageInput, type RestCall } from '../../peers/discord/fake-discord.js';
import { ADMIN, ADMIN_ROLE, CHANNEL_ID, GUILD, MEMBER, startDiscord } from './harness.js';

/** The Discord driver: deliveries become MESSAGE_CREATE dispatches, sends are read back from REST calls. */
describeAdapterContract('discord', { maxText: 2000, lacks: {} }, async () => {
  const rig = await startDiscord();
  const dm = rig.fake.dmChannel(MEMBER);
  const channelOf = (chat: ChatKind) => (chat === 'group' ? CHANNEL_ID : dm);
  let last: Json | undefined;
  const deliver = async (m: Delivery): Promise<string> => {
    const author = { member: { id: MEMBER, username: 'mia' }, admin: { id: ADMIN, username: 'ada' }, self: { id: rig.fake.botId, username: 'neko', bot: true }, otherBot: { id: '990000000000000001', username: 'other', bot: true } }[m.from];
    const input: MessageInput = { channelId: channelOf(m.chat), channelType: m.chat === 'group' ? 0 : 1, author, content: '', mentions: [], attachments: [] };
    if (m.chat === 'group') Object.assign(input, { guildId: GUILD, member: { roles: m.from === 'admin' ? [ADMIN_ROLE] : [] } });
    for (const s of m.segments) {
      if (s.type === 'text') input.content += s.text;
      else if (s.type === 'at') {
        input.content += `<@${s.userId}>`;
        input.mentions!.push({ id: s.userId });
      } else if (s.type === 'reply') input.replyTo = rig.fake.messages.get(s.messageId) ?? message({ channelId: input.channelId, author: { id: MEMBER }, content: '', id: s.messageId });
      else if (s.type === 'image' || s.type === 'file') input.attachments!.push({ filename: s.name ?? 'x', size: 10, url: s.url!, contentType: s.type === 'image' ? 'image/png' : 'application/pdf' });
    }
    last = rig.fake.sendMessage(message(input));
    return String(last.id);
  };
  return {
    app: rig.app, adapter: rig.adapter, botId: rig.fake.botId, users: { member: MEMBER, admin: ADMIN },
    chatKey: (chat) => (chat === 'group' ? `discord-group_${CHANNEL_ID}` : `discord-private_${MEMBER}`),
    deliver,
    redeliver: async () => void rig.fake.sendMessage(last!),
    sent: (chat) => rig.fake.callsTo('POST', new RegExp(`^/channels/${channelOf(chat)}/messages$`)).filter((c) => c.status === 200).map(decode),
    dropAndReconnect: async () => {
      const before = rig.fake.gateway.connectionCount;
      rig.fake.gateway.drop();
      await rig.fake.until('a resumed session', 10_000, () => (rig.fake.gateway.connectionCount > before && rig.fake.gateway.liveSessions === 1 ? true : undefined));
    },
    menu: async () => {
      await rig.adapter.commandsSettled();
      return (rig.fake.commands.get('global') ?? []).map((c) => String(c.name));
    },
    stop: async () => {
      await rig.app.stop();
      await rig.fake.stop();
    },
  };
});

/** A message the bot posted, as a user sees it: the quote, the text with its mentions, the attachments. */
function decode(call: RestCall): Segment[] {
  const body = call.body as { content?: string; message_reference?: { message_id: string } };
  const out: Segment[] = [];
  if (body.message_reference) out.push({ type: 'reply', messageId: body.message_reference.message_id });
  const content = body.content ?? '';
  let cursor = 0;
  for (const m of content.matchAll(/<@!?(\d+)>/g)) {
    if (m.index > cursor) out.push({ type: 'text', text: content.slice(cursor, m.index) });
    out.push({ type: 'at', userId: m[1]! });
    cursor = m.index + m[0].length;
  }
  if (cursor < content.length) out.push({ type: 'text', text: content.slice(cursor) });
  for (const f of call.files) out.push(f.contentType.startsWith('image/') ? { type: 'image', name: f.name } : { type: 'file', name: f.name });
  return out;
}
