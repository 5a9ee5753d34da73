import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL_ID, DiscordRig, guildMessage, startDiscord } from './harness.js';

let rig: DiscordRig | undefined;
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  rig = undefined;
});

describe('Discord adapter: commands in chat', () => {
  it('answers /echo typed in a guild channel', async () => {
    rig = await startDiscord();
    rig.fake.sendMessage(guildMessage('/echo hi there'));
    const call = await rig.fake.waitForCall('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(call.body).toMatchObject({ content: 'hi there', allowed_mentions: { parse: [], users: [], replied_user: false } });
  });
});
