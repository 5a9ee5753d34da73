import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CountingProxy } from '../../support/counting-proxy.js';
import { CHANNEL_ID, guildMessage, startDiscord, type DiscordRig } from './harness.js';

let rig: DiscordRig | undefined;
let proxy: CountingProxy | undefined;
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  await proxy?.close();
  rig = proxy = undefined;
});

const CHAT = `discord-group_${CHANNEL_ID}`;
const messagesOf = new RegExp(`^/channels/${CHANNEL_ID}/messages$`);
const upload = [
  { type: 'text' as const, text: 'a file:' },
  { type: 'file' as const, url: `base64://${Buffer.from('file bytes').toString('base64')}`, name: 'a.txt' },
];

describe('Discord REST calls and the process around them', () => {
  it('sends REST calls, uploads included, through the proxy the CLI hands it (HTTP_PROXY)', async () => {
    proxy = await new CountingProxy().start();
    rig = await startDiscord({ adapter: { proxy: { httpProxy: proxy.url() } } });
    rig.fake.sendMessage(guildMessage('/echo through the proxy'));
    const sent = await rig.fake.waitForCall('POST', messagesOf);
    expect(sent.body).toMatchObject({ content: 'through the proxy' });
    await rig.adapter.send(CHAT, upload);
    const uploaded = rig.fake.callsTo('POST', messagesOf).at(-1)!;
    expect(uploaded.contentType).toMatch(/^multipart\/form-data/);
    expect(uploaded.files.map((f) => [f.name, f.bytes.toString()])).toEqual([['a.txt', 'file bytes']]);
    const paths = proxy.requests.map((u) => new URL(u).pathname);
    expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/\/gateway\/bot$/), expect.stringMatching(/\/channels\/\d+\/messages$/)]));
    expect(paths.filter((p) => p.endsWith(`/channels/${CHANNEL_ID}/messages`))).toHaveLength(2);
  });

  it('uploads files whichever undici installed the process-wide dispatcher (undici 7, loaded by the LLM client and the proxy)', async () => {
    const before = getGlobalDispatcher();
    const newer = new Agent();
    setGlobalDispatcher(newer);
    try {
      rig = await startDiscord();
      await rig.adapter.send(CHAT, upload);
      const uploaded = rig.fake.callsTo('POST', messagesOf).at(-1)!;
      expect(uploaded.files.map((f) => [f.name, f.bytes.toString()])).toEqual([['a.txt', 'file bytes']]);
    } finally {
      setGlobalDispatcher(before);
      await newer.close();
    }
  });
});
