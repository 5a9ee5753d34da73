import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordAdapterOptions } from '../../../adapters/discord/index.js';
import { OutboundHttp } from '../../../core/net/index.js';
import { CountingProxy } from '../../support/counting-proxy.js';
import { guildMessage, startDiscord, type DiscordRig } from './harness.js';

let rig: DiscordRig | undefined;
let proxy: CountingProxy | undefined;
let http: OutboundHttp | undefined;
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  await http?.close();
  await proxy?.close();
  rig = proxy = http = undefined;
});

describe('Discord adapter behind a proxy', () => {
  it('sends REST calls through the proxy the CLI hands it (HTTP_PROXY)', async () => {
    proxy = await new CountingProxy().start();
    http = new OutboundHttp({ httpProxy: proxy.url() });
    const restAgent = http.dispatcher as unknown as NonNullable<DiscordAdapterOptions['restAgent']>;
    rig = await startDiscord({ adapter: { restAgent } });
    rig.fake.sendMessage(guildMessage('/echo through the proxy'));
    const sent = await rig.fake.waitForCall('POST', /\/channels\/\d+\/messages$/);
    expect(sent.body).toMatchObject({ content: 'through the proxy' });
    const paths = proxy.requests.map((u) => new URL(u).pathname);
    expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/\/gateway\/bot$/), expect.stringMatching(/\/channels\/\d+\/messages$/)]));
  });
});
