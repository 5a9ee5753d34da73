import { afterEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../../adapters/discord/index.js';
import { ConfigError } from '../../../core/errors/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeDiscord, OP } from '../../peers/discord/fake-discord.js';
import { CHANNEL_ID, contentOf, fakeWorld, guildMessage, ingested, startDiscord, type DiscordRig } from './harness.js';

let rig: DiscordRig | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  rig = undefined;
  for (const c of cleanups.splice(0)) await c();
});

const sentTo = (channelId: string) => new RegExp(`^/channels/${channelId}/messages$`);
const ops = (connection: number) => rig!.fake.frames.filter((f) => f.connection === connection).map((f) => f.op);

describe('Discord gateway through discord.js', () => {
  it('heartbeats with the last sequence number and gets acknowledged', async () => {
    rig = await startDiscord({ fake: { heartbeatIntervalMs: 50 } });
    await rig.fake.until('three heartbeats', 5000, () => (rig!.fake.frames.filter((f) => f.op === OP.HEARTBEAT).length >= 3 ? true : undefined));
    const beats = rig.fake.frames.filter((f) => f.op === OP.HEARTBEAT);
    // READY is 1, the guild's GUILD_CREATE 2.
    expect(beats.at(-1)!.d).toBe(2);
    expect(rig.fake.gateway.connectionCount).toBe(1);
  });

  it('reconnects on op 7 and resumes the session: nothing missed, nothing twice', async () => {
    rig = await startDiscord();
    const seen = ingested(rig.app);
    rig.fake.sendMessage(guildMessage('before'));
    await until(() => seen.length === 1, 'the first message');
    rig.fake.gateway.requestReconnect();
    // Sent while the bot is away: replayed on RESUME.
    rig.fake.sendMessage(guildMessage('while away'));
    await rig.fake.until('a resumed session', 5000, () => (rig!.fake.gateway.liveSessions === 1 && rig!.fake.gateway.connectionCount === 2 ? true : undefined));
    rig.fake.sendMessage(guildMessage('/echo after'));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID))).body)).toBe('after');
    expect(seen.map((m) => m.text)).toEqual(['before', 'while away']);
    expect(ops(2)[0]).toBe(OP.RESUME);
    expect(ops(2)).not.toContain(OP.IDENTIFY);
    expect(rig.app.metrics.get('discord_gateway_events_total', { event: 'reconnecting' })).toBe(1);
    expect(rig.app.metrics.get('discord_gateway_events_total', { event: 'resumed' })).toBe(1);
    expect(rig.lines.some((l) => String(l.msg).startsWith('Discord gateway resumed'))).toBe(true);
  });

  it('resumes after the connection drops without a close frame', async () => {
    rig = await startDiscord();
    rig.fake.gateway.drop();
    rig.fake.sendMessage(guildMessage('/echo still here'));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID), () => true, 10_000)).body)).toBe('still here');
    expect(ops(2)[0]).toBe(OP.RESUME);
  });

  it('identifies afresh when Discord says the session cannot be resumed', async () => {
    // discord.js spaces identifies 5 s apart, as Discord asks; the test does not wait for it.
    rig = await startDiscord({ adapter: { clientOptions: { ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => undefined }) } } } });
    rig.fake.gateway.invalidateSessions(false);
    await rig.fake.until('a second IDENTIFY', 10_000, () => (rig!.fake.frames.filter((f) => f.op === OP.IDENTIFY).length === 2 ? true : undefined));
    rig.fake.sendMessage(guildMessage('/echo fresh'));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID))).body)).toBe('fresh');
  });

  it('survives junk dispatches: counted, logged once per kind, never given to discord.js, the bot goes on', async () => {
    rig = await startDiscord();
    const unhandled: unknown[] = [];
    const onRejection = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onRejection);
    cleanups.push(async () => void process.off('unhandledRejection', onRejection));
    rig.fake.dispatch('MESSAGE_CREATE', null);
    rig.fake.dispatch('MESSAGE_CREATE', { id: 'not a snowflake' });
    rig.fake.dispatch('MESSAGE_CREATE', { id: '1', channel_id: '2' });
    rig.fake.dispatch('GUILD_CREATE', null);
    rig.fake.dispatch('INTERACTION_CREATE', { id: '1', type: 2 });
    rig.fake.dispatch('CHANNEL_CREATE', 7);
    rig.fake.dispatch('SOMETHING_NEW', { hello: 'world' });
    rig.fake.gateway.sendRaw('not json at all');
    rig.fake.gateway.sendRaw(JSON.stringify({ op: 42, d: null }));
    rig.fake.sendMessage(guildMessage('/echo alive'));
    expect(contentOf((await rig.fake.waitForCall('POST', sentTo(CHANNEL_ID))).body)).toBe('alive');
    expect(rig.app.metrics.get('discord_bad_dispatches_total', { kind: 'malformed', t: 'MESSAGE_CREATE' })).toBe(3);
    expect(rig.app.metrics.get('discord_bad_dispatches_total', { kind: 'malformed', t: 'GUILD_CREATE' })).toBe(1);
    expect(rig.app.metrics.get('discord_bad_dispatches_total', { kind: 'malformed', t: 'INTERACTION_CREATE' })).toBe(1);
    expect(rig.app.metrics.get('discord_bad_dispatches_total', { kind: 'malformed', t: 'CHANNEL_CREATE' })).toBe(1);
    expect(rig.app.metrics.get('discord_bad_dispatches_total', { kind: 'unknown', t: 'other' })).toBe(1);
    expect(rig.lines.filter((l) => String(l.msg).startsWith('Discord MESSAGE_CREATE dispatch ignored'))).toHaveLength(1);
    expect(rig.lines.some((l) => String(l.msg).includes('SOMETHING_NEW'))).toBe(true);
    expect(unhandled).toEqual([]);
    expect(rig.fake.gateway.connectionCount).toBe(1);
  });

  it('waits out a 429 (retry_after, rate-limit headers), logs the route and the wait, and delivers', async () => {
    rig = await startDiscord();
    rig.fake.rateLimit('POST', sentTo(CHANNEL_ID), 0.2);
    const result = await rig.adapter.send(`discord-group_${CHANNEL_ID}`, [{ type: 'text', text: 'eventually' }]);
    expect(rig.fake.callsTo('POST', sentTo(CHANNEL_ID)).map((c) => [c.status, contentOf(c.body)])).toEqual([[429, 'eventually'], [200, 'eventually']]);
    expect(result.messageId).toMatch(/^\d+$/);
    expect(rig.app.metrics.get('discord_rate_limited_total', { global: 'false' })).toBe(1);
    const line = rig.lines.find((l) => String(l.msg).startsWith('Discord rate limit'))!;
    expect(line).toMatchObject({ route: '/channels/:id/messages', method: 'POST' });
    expect(Number(line.waitMs)).toBeGreaterThanOrEqual(200);
  });

  it('refuses to start with a message naming what to fix when Discord disallows a privileged intent', async () => {
    const fake = new FakeDiscord(fakeWorld());
    await fake.start();
    cleanups.push(() => fake.stop());
    // Discord closes the gateway with 4014 right after IDENTIFY when Message Content is not enabled in the portal.
    fake.gateway.refuseIdentify = { code: 4014, reason: 'Disallowed intent(s).' };
    const { app } = makeTestApp({}, { adapters: [new DiscordAdapter({ token: fake.token, apiUrl: fake.apiUrl })] });
    cleanups.push(() => app.stop());
    const started = app.start();
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({ message: expect.stringContaining('Message Content Intent') });
  });

  it('closes the adapter, saying why, when Discord ends the session for good (4004 after the token was reset)', async () => {
    rig = await startDiscord();
    rig.fake.gateway.closeWith(4004, 'Authentication failed.');
    // The only adapter closed: the app stops by itself.
    await rig.app.stopped;
    expect(rig.lines.some((l) => String(l.msg).startsWith('Discord rejected the bot token (4004') && String(l.msg).includes('DISCORD_TOKEN'))).toBe(true);
    expect(rig.app.metrics.get('discord_gateway_events_total', { event: 'disconnected' })).toBe(1);
  });

  it('refuses to start when the token is wrong', async () => {
    const fake = new FakeDiscord(fakeWorld());
    await fake.start();
    cleanups.push(() => fake.stop());
    const { app } = makeTestApp({}, { adapters: [new DiscordAdapter({ token: 'wrong', apiUrl: fake.apiUrl })] });
    cleanups.push(() => app.stop());
    await expect(app.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('DISCORD_TOKEN') });
  });
});
