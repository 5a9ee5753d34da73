import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../support/messages.js';
import { CHANNEL, message } from '../../peers/discord/fake-discord.js';
import {
  ADMIN, ADMIN_ROLE, CHANNEL_ID, FORUM, FORUM_POST, GUILD, MEMBER, OWNER, THREAD,
  contentOf, directMessage, guildMessage, ingested, platformEvents, startDiscord, type DiscordRig,
} from './harness.js';

let rig: DiscordRig | undefined;
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  rig = undefined;
});

const sentTo = (channelId: string) => new RegExp(`^/channels/${channelId}/messages$`);

describe('Discord adapter: commands typed in chats', () => {
  it('answers /echo in a guild channel, with allowed_mentions that ping nobody', async () => {
    rig = await startDiscord();
    rig.fake.sendMessage(guildMessage('/echo hi there'));
    const call = await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID));
    expect(call.body).toEqual({ content: 'hi there', allowed_mentions: { parse: [], users: [], replied_user: false } });
    expect(call.authorization).toBe(`Bot ${rig.fake.token}`);
  });

  it('answers in a DM through the DM channel the user wrote in', async () => {
    rig = await startDiscord();
    const dm = rig.fake.sendMessage(directMessage(rig.fake, '/echo private'));
    const call = await rig.fake.waitForCall('POST', sentTo(String(dm.channel_id)));
    expect(contentOf(call.body)).toBe('private');
  });

  it('opens the DM channel to write to a user it has not heard from', async () => {
    rig = await startDiscord();
    await rig.adapter.send(`discord-private_${OWNER}`, [{ type: 'text', text: 'hello' }]);
    const opened = rig.fake.callsTo('POST', /^\/users\/@me\/channels$/);
    expect(opened.map((c) => c.body)).toEqual([{ recipient_id: OWNER }]);
    const dm = [...rig.fake.channels.values()].find((c) => c.recipient === OWNER)!;
    await rig.adapter.send(`discord-private_${OWNER}`, [{ type: 'text', text: 'again' }]);
    expect(rig.fake.callsTo('POST', sentTo(dm.id)).map((c) => contentOf(c.body))).toEqual(['hello', 'again']);
    expect(rig.fake.callsTo('POST', /^\/users\/@me\/channels$/)).toHaveLength(1);
  });

  it('keeps a thread and a forum post as chats of their own, their parent noted', async () => {
    rig = await startDiscord();
    const seen = ingested(rig.app);
    rig.fake.sendMessage(guildMessage('/echo in thread', { channelId: THREAD, channelType: CHANNEL.PUBLIC_THREAD }));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(THREAD))).body)).toBe('in thread');
    rig.fake.sendMessage(guildMessage('a forum post reply', { channelId: FORUM_POST, channelType: CHANNEL.PUBLIC_THREAD }));
    await until(() => seen.length === 1, 'the forum message');
    expect(seen[0]).toMatchObject({ chatKey: `discord-group_${FORUM_POST}`, chatType: 'group' });
    expect((seen[0]!.raw as { channel: unknown }).channel).toEqual({ id: FORUM_POST, type: CHANNEL.PUBLIC_THREAD, guild_id: GUILD, parent_id: FORUM, name: 'a-post' });
  });

  it('gives the guild owner and members with Manage Server ADVANCED commands, others not', async () => {
    rig = await startDiscord();
    rig.fake.sendMessage(guildMessage('/reset'));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID))).body)).toBe('Permission denied: reset needs advanced');
    rig.fake.sendMessage(guildMessage('/reset', { author: { id: ADMIN }, member: { roles: [ADMIN_ROLE] } }));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID))).body)).toMatch(/^Reset discord-group_/);
    rig.fake.sendMessage(guildMessage('/reset', { author: { id: OWNER } }));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID))).body)).toMatch(/^Reset discord-group_/);
  });
});

describe('Discord adapter: what it ignores and what it passes on', () => {
  it('ignores (and counts) messages of bots, of itself and of webhooks; drops a duplicate delivery', async () => {
    rig = await startDiscord();
    const seen = ingested(rig.app);
    rig.fake.sendMessage(guildMessage('/echo from a bot', { author: { id: '990000000000000001', bot: true } }));
    rig.fake.sendMessage(guildMessage('/echo from myself', { author: { id: rig.fake.botId, bot: true } }));
    rig.fake.sendMessage(guildMessage('/echo from a webhook', { author: { id: '990000000000000002', bot: true }, webhookId: '990000000000000002' }));
    const once = guildMessage('only once');
    rig.fake.sendMessage(once);
    rig.fake.sendMessage(once);
    rig.fake.sendMessage(guildMessage('last'));
    await until(() => seen.length === 2, 'two messages');
    expect(seen.map((m) => m.text)).toEqual(['only once', 'last']);
    expect(rig.app.metrics.get('discord_ignored_messages_total', { reason: 'bot' })).toBe(1);
    expect(rig.app.metrics.get('discord_ignored_messages_total', { reason: 'self' })).toBe(1);
    expect(rig.app.metrics.get('discord_ignored_messages_total', { reason: 'webhook' })).toBe(1);
    expect(rig.app.metrics.get('messages_total', { outcome: 'duplicate' })).toBe(1);
    expect(rig.fake.callsTo('POST', sentTo(CHANNEL_ID))).toEqual([]);
  });

  it('buffers guild messages addressed to the bot (mention, reply to it) and records the others', async () => {
    rig = await startDiscord();
    const batches: string[][] = [];
    rig.app.hooks.on('im_batch_message', (e) => void batches.push(e.messages.map((m) => m.text)));
    rig.fake.sendMessage(guildMessage('just chatting'));
    rig.fake.sendMessage(guildMessage(`<@${rig.fake.botId}> hi bot`, { mentions: [{ id: rig.fake.botId, bot: true }] }));
    const mine = message({ channelId: CHANNEL_ID, guildId: GUILD, author: { id: rig.fake.botId, username: 'neko', bot: true }, content: 'earlier answer' });
    rig.fake.sendMessage(guildMessage('and you?', { replyTo: mine }));
    await until(() => batches.length === 1 && batches[0]!.length === 2, 'one batch of two');
    expect(batches).toEqual([[' hi bot', 'and you?']]);
    expect(await rig.app.store.history.count(`discord-group_${CHANNEL_ID}`)).toBe(3);
  });

  it('passes edits, deletions, reactions, member joins and leaves and system messages to platform_event hooks', async () => {
    rig = await startDiscord({ adapter: { memberEvents: true } });
    const events = platformEvents(rig.app);
    const user = { id: MEMBER, username: 'mia', discriminator: '0', global_name: null, avatar: null };
    rig.fake.dispatch('MESSAGE_UPDATE', { id: '830000000000000001', channel_id: CHANNEL_ID, guild_id: GUILD, author: user, content: 'fixed' });
    rig.fake.dispatch('MESSAGE_DELETE', { id: '830000000000000001', channel_id: CHANNEL_ID, guild_id: GUILD });
    rig.fake.dispatch('MESSAGE_REACTION_ADD', { user_id: MEMBER, channel_id: CHANNEL_ID, message_id: '830000000000000002', guild_id: GUILD, emoji: { id: null, name: '👍' }, type: 0, burst: false });
    rig.fake.dispatch('GUILD_MEMBER_ADD', { guild_id: GUILD, user: { ...user, id: '900000000000000009' }, roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 });
    rig.fake.dispatch('GUILD_MEMBER_REMOVE', { guild_id: GUILD, user: { ...user, id: '900000000000000009' } });
    rig.fake.sendMessage(guildMessage('', { type: 6 }));
    await until(() => events.length === 6, 'six events');
    expect(events.map((e) => [e.kind, e.chatKey, e.userId])).toEqual([
      ['message.edited', `discord-group_${CHANNEL_ID}`, MEMBER],
      ['message.deleted', `discord-group_${CHANNEL_ID}`, undefined],
      ['reaction.added', `discord-group_${CHANNEL_ID}`, MEMBER],
      ['member.joined', undefined, '900000000000000009'],
      ['member.left', undefined, '900000000000000009'],
      ['message.system', `discord-group_${CHANNEL_ID}`, MEMBER],
    ]);
    expect(events[0]!.data).toMatchObject({ content: 'fixed' });
  });

  it('asks for the intents it needs: Message Content unless turned off, Server Members only when asked', async () => {
    rig = await startDiscord();
    const identify = rig.fake.frames.find((f) => f.op === 2)!.d as { intents: number; token: string };
    // Guilds 1, GuildMessages 512, GuildMessageReactions 1024, DirectMessages 4096, DirectMessageReactions 8192, MessageContent 32768.
    expect(identify.intents).toBe(1 | 512 | 1024 | 4096 | 8192 | 32768);
    expect(identify.token).toBe(rig.fake.token);
    expect(rig.fake.gateway.dials[0]!.get('v')).toBe('10');
    expect(rig.fake.gateway.dials[0]!.get('encoding')).toBe('json');
    expect(rig.fake.gateway.dials[0]!.get('compress')).toBeNull();
    await rig.app.stop();
    await rig.fake.stop();
    rig = await startDiscord({ adapter: { messageContent: false, memberEvents: true } });
    const second = rig.fake.frames.find((f) => f.op === 2)!.d as { intents: number };
    expect(second.intents).toBe(1 | 512 | 1024 | 4096 | 8192 | 2);
  });
});

describe('Discord adapter: typing while the agent works', () => {
  it('shows typing in the chat from the model call until the run ends', async () => {
    rig = await startDiscord();
    const batch = { chatKey: `discord-group_${THREAD}` } as never;
    await rig.app.hooks.emit('llm_request', batch, {} as never, {} as never);
    await rig.fake.waitForCall('POST', new RegExp(`^/channels/${THREAD}/typing$`));
    await rig.app.hooks.emit('final_result', batch, []);
    await rig.app.hooks.emit('llm_request', { chatKey: `discord-group_${CHANNEL_ID}` } as never, {} as never, {} as never);
    await rig.fake.waitForCall('POST', new RegExp(`^/channels/${CHANNEL_ID}/typing$`));
    expect(rig.fake.callsTo('POST', /\/typing$/).map((c) => c.status)).toEqual([204, 204]);
  });
});
