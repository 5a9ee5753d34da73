import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordChannelRefusedError, DiscordUploadTooLargeError, splitContent } from '../../../adapters/discord/index.js';
import { until } from '../../support/messages.js';
import { message } from '../../peers/discord/fake-discord.js';
import { ADMIN_ROLE, BOT_ROLE, CHANNEL_ID, GUILD, MEMBER, OWNER, READ_ONLY, THREAD, contentOf, guildMessage, ingested, startDiscord, type DiscordRig } from './harness.js';

let rig: DiscordRig | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  rig = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sentTo = (channelId: string) => new RegExp(`^/channels/${channelId}/messages$`);
const CHAT = `discord-group_${CHANNEL_ID}`;

describe('Discord messages in', () => {
  it('reads mentions, role and channel mentions, custom emoji and slash-command mentions', async () => {
    rig = await startDiscord();
    const seen = ingested(rig.app);
    const content = `<@!${OWNER}> and <@${MEMBER}>: ask <@&${ADMIN_ROLE}> in <#${THREAD}> <:neko:840000000000000001><a:dance:840000000000000002> try </echo:850000000000000001> at <t:1700000000:R>`;
    rig.fake.sendMessage(guildMessage(content, { mentions: [{ id: OWNER, username: 'owner' }, { id: MEMBER, username: 'mia', globalName: 'Mia' }] }));
    await until(() => seen.length === 1, 'the message');
    expect(seen[0]!.segments).toEqual([
      { type: 'at', userId: OWNER, name: 'owner' },
      { type: 'text', text: ' and ' },
      { type: 'at', userId: MEMBER, name: 'Mia' },
      { type: 'text', text: ': ask @Moderators in #a-thread ' },
      { type: 'face', id: '840000000000000001', name: 'neko' },
      { type: 'face', id: 'a:840000000000000002', name: 'dance' },
      { type: 'text', text: ' try /echo at <t:1700000000:R>' },
    ]);
    expect(seen[0]).toMatchObject({ userName: 'Mia', toMe: false, senderRole: 'member', messageId: expect.stringMatching(/^\d+$/) });
  });

  it("reads a mention of the bot's managed role as a mention of the bot", async () => {
    rig = await startDiscord();
    const seen = ingested(rig.app);
    rig.fake.sendMessage(guildMessage(`<@&${BOT_ROLE}> are you there?`, { mentionRoles: [BOT_ROLE] }));
    await until(() => seen.length === 1, 'the message');
    expect(seen[0]!.segments).toEqual([{ type: 'at', userId: rig.fake.botId, name: 'Neko' }, { type: 'text', text: ' are you there?' }]);
    expect(seen[0]!.toMe).toBe(true);
  });

  it('reads a reply (to the bot: addressed to it), attachments by content type, stickers, and keeps embeds in raw', async () => {
    rig = await startDiscord();
    const seen = ingested(rig.app);
    const quoted = message({ channelId: CHANNEL_ID, guildId: GUILD, author: { id: rig.fake.botId, username: 'neko', bot: true }, content: 'my answer' });
    const embed = { type: 'rich', title: 'A card', description: 'kept as it came' };
    rig.fake.sendMessage(guildMessage('look', {
      replyTo: quoted,
      attachments: [
        { filename: 'cat.png', contentType: 'image/png', size: 1234, url: 'https://cdn.example/cat.png' },
        { filename: 'voice.ogg', contentType: 'audio/ogg', size: 800, url: 'https://cdn.example/voice.ogg', durationSecs: 2.5 },
        { filename: 'clip.mp4', contentType: 'video/mp4', size: 9000, url: 'https://cdn.example/clip.mp4' },
        { filename: 'notes.pdf', contentType: 'application/pdf', size: 42, url: 'https://cdn.example/notes.pdf' },
      ],
      stickers: [{ id: '860000000000000001', name: 'wave' }],
      embeds: [embed],
    }));
    await until(() => seen.length === 1, 'the message');
    expect(seen[0]!.segments).toEqual([
      { type: 'reply', messageId: String(quoted.id), userId: rig.fake.botId, text: 'my answer' },
      { type: 'text', text: 'look' },
      { type: 'image', url: 'https://cdn.example/cat.png', name: 'cat.png', size: 1234, mime: 'image/png' },
      { type: 'audio', url: 'https://cdn.example/voice.ogg', name: 'voice.ogg', size: 800, mime: 'audio/ogg', durationSec: 2.5 },
      { type: 'video', url: 'https://cdn.example/clip.mp4', name: 'clip.mp4', size: 9000, mime: 'video/mp4' },
      { type: 'file', url: 'https://cdn.example/notes.pdf', name: 'notes.pdf', size: 42, mime: 'application/pdf' },
      { type: 'face', id: 'sticker:860000000000000001', name: 'wave' },
    ]);
    expect(seen[0]!.toMe).toBe(true);
    expect((seen[0]!.raw as { message: { embeds: unknown[] } }).message.embeds).toEqual([embed]);
  });
});

describe('Discord messages out', () => {
  it('sends mentions that ping only the users named, a reply that pings nobody, and never @everyone from text', async () => {
    rig = await startDiscord();
    await rig.adapter.send(CHAT, [
      { type: 'reply', messageId: '870000000000000001' },
      { type: 'at', userId: MEMBER },
      { type: 'text', text: ' look, @everyone and @here and <@&' + ADMIN_ROLE + '> ' },
      { type: 'face', id: '840000000000000001', name: 'neko' },
    ]);
    const call = await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID));
    expect(call.body).toEqual({
      content: `<@${MEMBER}> look, @everyone and @here and <@&${ADMIN_ROLE}> <:neko:840000000000000001>`,
      allowed_mentions: { parse: [], users: [MEMBER], replied_user: false },
      message_reference: { message_id: '870000000000000001', fail_if_not_exists: false },
    });
    await rig.adapter.send(CHAT, [{ type: 'at', userId: 'all' }, { type: 'text', text: ' meeting now' }]);
    const everyone = await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID));
    expect(everyone.body).toMatchObject({ content: '@everyone meeting now', allowed_mentions: { parse: ['everyone'], users: [] } });
  });

  it('uploads images, audio, video and files as attachments (multipart, payload_json), ten to a message', async () => {
    rig = await startDiscord();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-discord-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'local file');
    const cdn = rig.fake.cdnFile('remote.png', Buffer.from('png bytes'), 'image/png');
    const images = Array.from({ length: 10 }, (_, i) => ({ type: 'image' as const, url: `base64://${Buffer.from(`img${i}`).toString('base64')}`, name: `img${i}.png`, mime: 'image/png' }));
    const result = await rig.adapter.send(CHAT, [
      { type: 'text', text: 'files:' },
      { type: 'file', path: path.join(dir, 'a.txt') },
      { type: 'image', url: cdn },
      ...images,
      { type: 'text', text: 'after' },
    ]);
    const calls = rig.fake.callsTo('POST', sentTo(CHANNEL_ID));
    expect(calls).toHaveLength(3);
    expect(calls[0]!.contentType).toMatch(/^multipart\/form-data/);
    expect(calls[0]!.body).toMatchObject({ content: 'files:', attachments: calls[0]!.files.map((f, id) => ({ id, filename: f.name })) });
    expect(calls[0]!.files.map((f) => [f.field, f.name])).toEqual([['files[0]', 'a.txt'], ['files[1]', 'remote.png'], ...Array.from({ length: 8 }, (_, i) => [`files[${i + 2}]`, `img${i}.png`])]);
    expect(calls[0]!.files[0]!.bytes.toString()).toBe('local file');
    expect(calls[0]!.files[1]!.bytes.toString()).toBe('png bytes');
    expect(calls[1]!.body).not.toHaveProperty('content');
    expect(calls[1]!.files.map((f) => f.name)).toEqual(['img8.png', 'img9.png']);
    expect(contentOf(calls[2]!.body)).toBe('after');
    for (const c of calls) expect(c.body).toMatchObject({ allowed_mentions: { parse: [], users: [], replied_user: false } });
    expect(result.messageId).toBe(String(rig.fake.messages.get(result.messageId!)?.id));
  });

  it('refuses a file larger than the upload limit before sending anything, with a clear error', async () => {
    rig = await startDiscord({ adapter: { maxUploadBytes: 1024 } });
    const big = `base64://${Buffer.alloc(2048).toString('base64')}`;
    const attempt = rig.adapter.send(CHAT, [{ type: 'text', text: 'before' }, { type: 'file', url: big, name: 'big.bin' }]);
    await expect(attempt).rejects.toBeInstanceOf(DiscordUploadTooLargeError);
    await expect(attempt).rejects.toMatchObject({ code: 'DISCORD_UPLOAD_TOO_LARGE', fileName: 'big.bin', size: 2048, limit: 1024 });
    const cdn = rig.fake.cdnFile('huge.bin', Buffer.alloc(4096), 'application/octet-stream');
    await expect(rig.adapter.send(CHAT, [{ type: 'file', url: cdn }])).rejects.toMatchObject({ code: 'DISCORD_UPLOAD_TOO_LARGE', fileName: 'huge.bin' });
    expect(rig.fake.callsTo('POST', sentTo(CHANNEL_ID))).toEqual([]);
  });

  it('splits a long reply at 2,000 characters, closing and reopening a code block it cuts', async () => {
    rig = await startDiscord();
    const code = Array.from({ length: 120 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`).join('\n');
    const text = `${'intro words '.repeat(50).trim()}\n\`\`\`ts\n${code}\n\`\`\`\nthat was the code`;
    await rig.adapter.send(CHAT, [{ type: 'text', text }]);
    const sent = rig.fake.callsTo('POST', sentTo(CHANNEL_ID)).map((c) => contentOf(c.body));
    expect(sent.length).toBeGreaterThan(2);
    for (const chunk of sent) {
      expect(chunk.length).toBeLessThanOrEqual(2000);
      // Every message has its fences paired: code renders as code in each.
      expect((chunk.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    for (const chunk of sent.slice(1, -1)) expect(chunk.startsWith('```ts\n')).toBe(true);
    // Nothing lost: the messages hold every line of the text, in order, plus the fences added at the cuts.
    const lines = sent.join('\n').split('\n').filter((l) => l !== '```' && l !== '```ts');
    expect(lines).toEqual(text.split('\n').filter((l) => l !== '```' && l !== '```ts'));
  });

  it('cuts a text without line breaks at spaces, and a word longer than a message hard', () => {
    const words = splitContent('word '.repeat(900).trim());
    expect(words.every((c) => c.length <= 2000 && !c.startsWith(' ') && !c.endsWith(' '))).toBe(true);
    expect(words.join(' ')).toBe('word '.repeat(900).trim());
    const hard = splitContent('x'.repeat(4500));
    expect(hard.join('')).toBe('x'.repeat(4500));
    expect(hard.every((c) => c.length <= 2000)).toBe(true);
  });

  it('names the channel and the missing permission when Discord says 50013, and the channel on 10003; neither is retried', async () => {
    rig = await startDiscord();
    rig.fake.forbidden.add(READ_ONLY);
    const refused = rig.adapter.send(`discord-group_${READ_ONLY}`, [{ type: 'text', text: 'hello' }]);
    await expect(refused).rejects.toBeInstanceOf(DiscordChannelRefusedError);
    await expect(refused).rejects.toMatchObject({ code: 'DISCORD_CHANNEL_REFUSED', channelId: READ_ONLY, discordCode: 50013, missing: ['Send Messages'] });
    const gone = rig.adapter.send('discord-group_899999999999999999', [{ type: 'text', text: 'hello' }]);
    await expect(gone).rejects.toMatchObject({ discordCode: 10003, message: expect.stringContaining('899999999999999999') });
    expect(rig.fake.callsTo('POST', /\/messages$/).map((c) => c.status)).toEqual([403, 404]);
    const logged = rig.lines.filter((l) => String(l.msg).startsWith('Discord refused to send'));
    expect(logged.map((l) => l.msg)).toEqual([
      expect.stringMatching(new RegExp(`lacks Send Messages in #announcements \\(${READ_ONLY}\\) \\(50013`)),
      expect.stringContaining('10003 Unknown Channel'),
    ]);
    expect(rig.app.metrics.get('discord_send_refused_total', { code: '50013' })).toBe(1);
  });
});
