import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl, CommandPermission } from '../../../core/command/index.js';
import { makePlugin } from '../../support/plugins.js';
import { sleep, until } from '../../support/messages.js';
import { buttonPress, slashCommand, type Json } from '../../peers/discord/fake-discord.js';
import { CHANNEL_ID, GUILD, MEMBER, OWNER, THREAD, contentOf, directMessage, guildMessage, startDiscord, type DiscordRig } from './harness.js';

let rig: DiscordRig | undefined;
afterEach(async () => {
  await rig?.app.stop();
  await rig?.fake.stop();
  rig = undefined;
});

type Command = Json & { name: string; options?: (Json & { name: string; options?: Json[] })[] };
const published = (scope = 'global') => (rig!.fake.commands.get(scope) ?? []) as Command[];
const byName = (name: string, scope = 'global') => published(scope).find((c) => c.name === name);
const callbacks = () => rig!.fake.callsTo('POST', /^\/interactions\/\d+\/[^/]+\/callback$/);
const callbackOf = (interaction: Json) => rig!.fake.waitForCall('POST', new RegExp(`^/interactions/${String(interaction.id)}/`));

/** A slash command in the world's channel by a member (or as given). */
function slash(name: string, options: { name: string; type: number; value?: string | number | boolean; options?: never[] }[] = [], extra: Partial<Parameters<typeof slashCommand>[0]> = {}): Json {
  return slashCommand({ applicationId: rig!.fake.applicationId, channelId: CHANNEL_ID, guildId: GUILD, member: { user: { id: MEMBER, username: 'mia' } }, name, options, ...extra });
}

/** Loads a plugin with commands and waits for Discord to have them. */
async function withPlugin(name: string, mount: (p: ReturnType<typeof makePlugin>) => void): Promise<void> {
  const p = makePlugin();
  mount(p);
  await rig!.app.plugins.load(p);
  await rig!.app.plugins.enable(p.key);
  await until(() => byName(name) !== undefined, `/${name} to be published`);
}

describe('Discord slash commands: publishing', () => {
  it('publishes the registry as application commands: options, subcommands, localizations, hidden admin commands', async () => {
    rig = await startDiscord();
    await rig.adapter.commandsSettled();
    expect(rig.fake.callsTo('PUT', /^\/applications\/\d+\/commands$/).map((c) => c.status)).toEqual([200]);
    expect(byName('echo')).toMatchObject({
      description: 'Say the text back',
      description_localizations: { 'en-US': 'Say the text back', 'zh-CN': '原样返回文本' },
      options: [{ type: 3, name: 'text', required: true }],
      default_member_permissions: null,
    });
    // plugins.* are SUPER_USER: Discord shows them to administrators only; reset is ADVANCED: Manage Server.
    expect(byName('plugins')).toMatchObject({ default_member_permissions: '0', options: expect.arrayContaining([expect.objectContaining({ type: 1, name: 'list' })]) });
    expect(byName('reset')).toMatchObject({ default_member_permissions: String(1 << 5) });
    expect(byName('commands')!.options!.find((o) => o.name === 'permission')!.options).toContainEqual(
      expect.objectContaining({ name: 'level', required: true, choices: expect.arrayContaining([{ name: 'super_user', value: 'super_user' }]) }),
    );
  });

  it('maps types, ranges, choices, names and nesting to Discord rules', async () => {
    rig = await startDiscord();
    await withPlugin('weather', (p) => {
      p.mountCommand({ name: 'weather', description: 'Weather', i18nDescription: { zh_CN: '天气', en_US: 'Weather forecast' }, args: {
        city: Arg.str('city', { default: 'Paris', positional: true }),
        days: Arg.int('days', { range: [1, 7] }),
        ratio: Arg.float('ratio', { default: 0.5 }),
        metric: Arg.bool('metric', { default: true }),
        unit: Arg.str('unit', { choices: ['c', 'f'], default: 'c' }),
        maxItems: Arg.int('how many'),
      } }, () => CmdCtl.success('ok'));
      const g = p.mountCommandGroup({ name: 'Zoo', description: 'zoo' });
      g.command({ name: 'feed.Lions', description: 'feed the lions' }, () => CmdCtl.success('fed'));
    });
    expect(byName('weather')).toMatchObject({
      description: 'Weather forecast',
      description_localizations: { 'en-US': 'Weather forecast', 'zh-CN': '天气' },
      options: [
        { type: 4, name: 'days', required: true, min_value: 1, max_value: 7 },
        { type: 4, name: 'maxitems', required: true, description: 'how many' },
        { type: 3, name: 'city', required: false },
        { type: 10, name: 'ratio', required: false },
        { type: 5, name: 'metric', required: false },
        { type: 3, name: 'unit', required: false, choices: [{ name: 'c', value: 'c' }, { name: 'f', value: 'f' }] },
      ],
    });
    expect(byName('zoo')).toMatchObject({ options: [{ type: 2, name: 'feed', options: [{ type: 1, name: 'lions' }] }] });
  });

  it('does not upload the same commands again after a restart, and publishes a change once, debounced', async () => {
    rig = await startDiscord();
    await rig.adapter.commandsSettled();
    await rig.app.stop();
    const { fake } = rig;
    rig = undefined;
    const restarted = await startDiscord({ on: fake });
    await restarted.adapter.commandsSettled();
    expect(fake.callsTo('GET', /^\/applications\/\d+\/commands$/)).toHaveLength(2);
    expect(fake.callsTo('PUT', /^\/applications\/\d+\/commands$/)).toHaveLength(1);
    expect(restarted.lines.some((l) => String(l.msg).includes('unchanged'))).toBe(true);
    const p = makePlugin();
    p.mountCommand({ name: 'one', description: 'first' }, () => CmdCtl.success('1'));
    p.mountCommand({ name: 'two', description: 'second' }, () => CmdCtl.success('2'));
    await restarted.app.plugins.load(p);
    await restarted.app.plugins.enable(p.key);
    await until(() => (fake.commands.get('global') as Command[]).some((c) => c.name === 'two'), 'the new commands');
    await sleep(60);
    await restarted.adapter.commandsSettled();
    expect(fake.callsTo('PUT', /^\/applications\/\d+\/commands$/)).toHaveLength(2);
    rig = restarted;
  });

  it('publishes to the guilds of DISCORD_GUILD_IDS instead of globally', async () => {
    rig = await startDiscord({ adapter: { guildIds: [GUILD] } });
    await rig.adapter.commandsSettled();
    expect(rig.fake.callsTo('PUT', new RegExp(`^/applications/\\d+/guilds/${GUILD}/commands$`)).map((c) => c.status)).toEqual([200]);
    expect(rig.fake.callsTo('PUT', /^\/applications\/\d+\/commands$/)).toEqual([]);
    expect(byName('echo', GUILD)).toBeDefined();
  });
});

describe('Discord slash commands: answers', () => {
  it('answers a command at once with the reply (204, no content type) when it is quick', async () => {
    rig = await startDiscord();
    await rig.adapter.commandsSettled();
    const i = rig.fake.interact(slash('echo', [{ name: 'text', type: 3, value: 'hello <@&1> @everyone' }]));
    const call = await callbackOf(i);
    expect(call.status).toBe(204);
    expect(call.authorization).toBeUndefined();
    expect(call.body).toEqual({ type: 4, data: { content: 'hello <@&1> @everyone', allowed_mentions: { parse: [], users: [], replied_user: false } } });
  });

  it('defers a slow command and edits the deferred answer; further output follows up', async () => {
    rig = await startDiscord();
    await withPlugin('slow', (p) => p.mountCommand({ name: 'slow', description: 'takes its time' }, async function* () {
      await sleep(250);
      yield CmdCtl.message('first');
      yield CmdCtl.success('second');
    }));
    const i = rig.fake.interact(slash('slow'));
    const deferred = await callbackOf(i);
    expect(deferred.body).toEqual({ type: 5 });
    const edit = await rig.fake.waitForCall('PATCH', /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/);
    expect(contentOf(edit.body)).toBe('first');
    const followUp = await rig.fake.waitForCall('POST', /^\/webhooks\/\d+\/[^/]+$/);
    expect(followUp.body).toMatchObject({ content: 'second', allowed_mentions: { parse: [] } });
    expect(callbacks()).toHaveLength(1);
  });

  it('uploads the files of an answer with the interaction response (multipart)', async () => {
    rig = await startDiscord();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-discord-')), 'chart.png');
    fs.writeFileSync(file, 'png bytes');
    await withPlugin('chart', (p) => p.mountCommand({ name: 'chart', description: 'draws a chart' }, () => CmdCtl.success([{ type: 'text', text: 'here' }, { type: 'image', filePath: file }])));
    const call = await callbackOf(rig.fake.interact(slash('chart')));
    expect(call.contentType).toMatch(/^multipart\/form-data/);
    expect(call.body).toMatchObject({ type: 4, data: { content: 'here', attachments: [{ id: 0, filename: 'chart.png' }] } });
    expect(call.files.map((f) => [f.field, f.name, f.bytes.toString()])).toEqual([['files[0]', 'chart.png', 'png bytes']]);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('answers refusals and errors for the invoker only (ephemeral), and runs subcommands for those allowed', async () => {
    rig = await startDiscord({ env: { SUPER_USERS: `discord:${OWNER}` } });
    await rig.adapter.commandsSettled();
    const refused = rig.fake.interact(slash('plugins', [{ name: 'list', type: 1, options: [] }]));
    expect((await callbackOf(refused)).body).toMatchObject({ type: 4, data: { content: 'Permission denied: plugins.list needs super user', flags: 64 } });
    const allowed = rig.fake.interact(slash('plugins', [{ name: 'list', type: 1, options: [] }], { member: { user: { id: OWNER, username: 'owner' } } }));
    const answer = (await callbackOf(allowed)).body as { data: { content: string; flags?: number } };
    expect(answer.data.content).toContain('nekomata.built_in');
    expect(answer.data.flags).toBeUndefined();
  });

  it('runs a slash command in a DM and in a thread', async () => {
    rig = await startDiscord();
    await rig.adapter.commandsSettled();
    const dm = directMessage(rig.fake, 'hi');
    const inDm = rig.fake.interact(slashCommand({ applicationId: rig.fake.applicationId, channelId: String(dm.channel_id), user: { id: MEMBER, username: 'mia' }, name: 'echo', options: [{ name: 'text', type: 3, value: 'dm' }] }));
    expect((await callbackOf(inDm)).body).toMatchObject({ type: 4, data: { content: 'dm' } });
    const inThread = rig.fake.interact(slash('echo', [{ name: 'text', type: 3, value: 'thread' }], { channelId: THREAD, channelType: 11 }));
    expect((await callbackOf(inThread)).body).toMatchObject({ type: 4, data: { content: 'thread' } });
  });

  it('answers a command Discord still shows but the app no longer has, and falls back to the channel when the interaction expired', async () => {
    rig = await startDiscord();
    await rig.adapter.commandsSettled();
    const unknown = rig.fake.interact(slash('gone'));
    expect((await callbackOf(unknown)).body).toMatchObject({ type: 4, data: { content: 'This command is not available any more.', flags: 64 } });
    rig.fake.interactionDeadlineMs = -1;
    rig.fake.interact(slash('echo', [{ name: 'text', type: 3, value: 'late' }]));
    const posted = await rig.fake.waitForCall('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(contentOf(posted.body)).toBe('late');
  });
});

describe('Discord buttons for waits', () => {
  async function withDrinks(): Promise<void> {
    await withPlugin('drink', (p) => {
      p.mountCommand({ name: 'drink', description: 'order a drink' }, () => CmdCtl.wait('Tea or coffee?', 'drink_answer', { options: ['tea', 'coffee'], timeout: 600 }));
      p.mountCommand({ name: 'drink_answer', description: 'answer', internal: true, args: { choice: Arg.str('choice', { positional: true }) } },
        (_ctx, { choice }) => CmdCtl.success(`one ${choice} coming`));
    });
  }
  const buttonsOf = (body: unknown) => ((body as { data?: Json; components?: unknown }).data?.components ?? (body as Json).components) as { components: { custom_id: string; label: string }[] }[];

  it('shows the options of a wait as buttons; a press by the user is acknowledged and answers the wait, others are told no', async () => {
    rig = await startDiscord();
    await withDrinks();
    const i = rig.fake.interact(slash('drink'));
    const prompt = await callbackOf(i);
    expect(contentOf((prompt.body as { data: Json }).data)).toBe('Tea or coffee?');
    const buttons = buttonsOf(prompt.body)[0]!.components;
    expect(buttons.map((b) => b.label)).toEqual(['tea', 'coffee']);
    const shown = rig.fake.interactions.get(String(i.id))!.original!;
    const stranger = rig.fake.interact(buttonPress({ applicationId: rig.fake.applicationId, channelId: CHANNEL_ID, guildId: GUILD, member: { user: { id: OWNER } }, customId: buttons[1]!.custom_id, message: shown }));
    expect((await callbackOf(stranger)).body).toMatchObject({ type: 4, data: { content: 'These buttons are for someone else.', flags: 64 } });
    const mine = rig.fake.interact(buttonPress({ applicationId: rig.fake.applicationId, channelId: CHANNEL_ID, guildId: GUILD, member: { user: { id: MEMBER } }, customId: buttons[1]!.custom_id, message: shown }));
    expect((await callbackOf(mine)).body).toEqual({ type: 7, data: { components: [] } });
    const done = await rig.fake.waitForCall('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(contentOf(done.body)).toBe('one coffee coming');
    const again = rig.fake.interact(buttonPress({ applicationId: rig.fake.applicationId, channelId: CHANNEL_ID, guildId: GUILD, member: { user: { id: MEMBER } }, customId: buttons[0]!.custom_id, message: shown }));
    expect((await callbackOf(again)).body).toMatchObject({ data: { content: 'This choice has expired.' } });
  });

  it('shows buttons for a wait started by a typed command too', async () => {
    rig = await startDiscord();
    await withDrinks();
    rig.fake.sendMessage(guildMessage('/drink'));
    const prompt = await rig.fake.waitForCall('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(buttonsOf(prompt.body)[0]!.components.map((b) => b.custom_id)).toEqual([`nk:v:${MEMBER}:tea`, `nk:v:${MEMBER}:coffee`]);
  });
});
