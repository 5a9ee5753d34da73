import { OneBotAdapter } from '../../../adapters/onebot/index.js';
import type { Segment } from '../../../core/message/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { describeAdapterContract, type ChatKind, type Delivery } from '../adapter.contract.js';
import { FakeOneBot, type ActionCall, type FakeEvent, type FakeSegment } from '../../peers/onebot/fake-onebot.js';

const SELF = 10001;
const GROUP = 555;
const MEMBER = 42;
const ADMIN = 43;

/** The OneBot driver: deliveries become message events of a forward-WS fake, sends are read back from its actions. */
describeAdapterContract('onebot', {
  maxText: Number.POSITIVE_INFINITY,
  lacks: {
    split: 'OneBot v11 sends a message as given and documents no length limit (QQ\'s depends on the implementation)',
    botsIgnored: 'OneBot v11 does not mark messages of other bots',
    menu: 'QQ through OneBot has no native command menu',
  },
}, async () => {
  const peer = new FakeOneBot({ selfId: SELF, mode: 'forward', heartbeatMs: 1000 });
  await peer.start();
  const adapter = new OneBotAdapter({ wsUrls: [peer.url], backoff: { baseMs: 10, capMs: 50 } });
  const { app } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] });
  await app.start();
  await until(() => adapter.accountIds.includes(String(SELF)), 'the account');
  let last: FakeEvent | undefined;
  const deliver = async (m: Delivery): Promise<string> => {
    const user = { member: MEMBER, admin: ADMIN, self: SELF, otherBot: 99 }[m.from];
    const message = m.segments.map(toWire);
    const extra = { sender: { user_id: user, nickname: `u${user}`, role: m.from === 'admin' ? 'admin' : 'member' }, ...(m.from === 'self' ? { post_type: 'message_sent' } : {}) };
    last = m.chat === 'group' ? peer.groupMessage(GROUP, user, message, extra) : peer.privateMessage(MEMBER, message, extra);
    peer.emitEvent(last);
    return String(last.message_id);
  };
  const isTo = (chat: ChatKind) => (c: ActionCall) =>
    chat === 'group' ? c.action === 'send_group_msg' && Number(c.params.group_id) === GROUP : c.action === 'send_private_msg' && Number(c.params.user_id) === MEMBER;
  return {
    app, adapter, botId: String(SELF), users: { member: String(MEMBER), admin: String(ADMIN) },
    chatKey: (chat) => (chat === 'group' ? `onebot-group_${GROUP}` : `onebot-private_${MEMBER}`),
    deliver,
    redeliver: async () => peer.emitEvent(last!),
    sent: (chat) => peer.calls.filter(isTo(chat)).map((c) => (c.params.message as FakeSegment[]).map(fromWire)),
    dropAndReconnect: async () => {
      const before = peer.connectionCount;
      await peer.drop();
      await peer.waitForConnections(before + 1);
      await until(() => adapter.accountIds.includes(String(SELF)), 'the account again');
    },
    menu: async () => [],
    stop: async () => {
      await peer.stop();
      await app.stop();
    },
  };
});

function toWire(s: Segment): FakeSegment {
  if (s.type === 'text') return { type: 'text', data: { text: s.text } };
  if (s.type === 'at') return { type: 'at', data: { qq: s.userId } };
  if (s.type === 'reply') return { type: 'reply', data: { id: s.messageId } };
  if (s.type === 'image') return { type: 'image', data: { file: s.name ?? 'image.png', url: s.url } };
  if (s.type === 'file') return { type: 'file', data: { file: s.name ?? 'file', url: s.url, name: s.name } };
  throw new Error(`the OneBot driver does not deliver ${s.type}`);
}

function fromWire(s: FakeSegment): Segment {
  if (s.type === 'text') return { type: 'text', text: String(s.data.text) };
  if (s.type === 'at') return { type: 'at', userId: String(s.data.qq) };
  if (s.type === 'reply') return { type: 'reply', messageId: String(s.data.id) };
  if (s.type === 'image' || s.type === 'file') return { type: s.type, url: String(s.data.file) };
  return { type: 'raw', platform: 'onebot', kind: s.type, data: s.data };
}
