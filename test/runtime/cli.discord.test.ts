import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../peers/discord/fake-discord.js';
import { CHANNEL_ID, fakeWorld, guildMessage } from '../adapters/discord/harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('command line with DISCORD_TOKEN', () => {
  it('connects to Discord, publishes the slash commands and answers a command', async () => {
    const fake = new FakeDiscord(fakeWorld());
    await fake.start();
    cleanups.push(() => fake.stop());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-cli-discord-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', CONSOLE: '0', DATA_DIR: dataDir, DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, DISCORD_GUILD_IDS: '800000000000000001' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    cleanups.push(() => void child.kill('SIGKILL'));
    await fake.waitForCall('PUT', /^\/applications\/\d+\/guilds\/800000000000000001\/commands$/, () => true, 20_000);
    fake.sendMessage(guildMessage('/echo from the command line'));
    const reply = await fake.waitForCall('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`), () => true, 10_000);
    expect((reply.body as { content: string }).content).toBe('from the command line');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('Discord gateway ready as @neko');
  }, 30_000);
});
