import { afterEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl, commandToolName } from '../../core/command/index.js';
import { makePlugin } from '../support/plugins.js';
import sandboxExample from '../../plugins/examples/sandbox-methods/index.js';
import { contentText, startAgentChat } from '../support/agent.js';

let current: Awaited<ReturnType<typeof startAgentChat>> | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

const wire = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_');
const method = (name: string) => wire(`${sandboxExample.key}.${name}`);

describe('agent: sandbox methods, commands and prompt injections', () => {
  it('offers every sandbox method the collect filter allows, and the global tool, as tools', async () => {
    current = await startAgentChat({ PLUGINS_ENABLED: sandboxExample.key }, { plugins: [sandboxExample] });
    current.fake.script({ text: '<msg/>' }, { text: '<msg/>' });
    await current.ask('hi');
    await current.ask('hi all', { chatType: 'group', chat: 'g1' });
    const names = (i: number) => current!.fake.requests[i]!.tools!.map((t) => t.function.name);
    expect(names(0)).toEqual(expect.arrayContaining([method('roll_dice'), method('remember'), method('recall'), method('show_avatar'), 'word_count']));
    expect(names(0)).not.toContain(method('kick_member'));
    expect(names(1)).toContain(method('kick_member'));
  });

  it('TOOL returns to the model; BEHAVIOR alone ends the run and is noted in history; AGENT forces another round', async () => {
    current = await startAgentChat({ PLUGINS_ENABLED: sandboxExample.key }, { plugins: [sandboxExample] });
    const { fake, ask, app } = current;

    fake.script({ toolCalls: [{ name: method('roll_dice'), arguments: { sides: 2 } }] }, { text: '<msg><text>rolled</text></msg>' });
    expect(await ask('roll')).toEqual(['rolled']);
    const rolled = fake.requests[1]!.messages.find((m) => m.role === 'tool') as { content: string };
    expect(['1', '2']).toContain(rolled.content);

    const before = fake.requests.length;
    fake.script({ text: '<msg><text>noted</text></msg>', toolCalls: [{ name: method('remember'), arguments: { text: 'cats rule' } }] });
    expect(await ask('remember: cats rule')).toEqual(['noted']);
    expect(fake.requests.length - before).toBe(1);
    const history = await app.store.history.recent('test-private_c1', 20);
    expect(history.some((h) => h.role === 'system' && h.text.includes('Remembered: cats rule'))).toBe(true);

    fake.script({ toolCalls: [{ name: method('recall'), arguments: {} }] }, { text: '<msg><text>you said cats rule</text></msg>' });
    expect(await ask('what did I say?')).toEqual(['you said cats rule']);
    const recalled = fake.requests.at(-1)!.messages.find((m) => m.role === 'tool' && contentText(m.content).includes('cats rule'));
    expect(recalled).toBeDefined();
  });

  it('MULTIMODAL_AGENT hands the result to the model as a user turn with its images', async () => {
    current = await startAgentChat({ PLUGINS_ENABLED: sandboxExample.key }, { plugins: [sandboxExample] });
    const { fake, ask } = current;
    fake.script({ toolCalls: [{ name: method('show_avatar'), arguments: {} }] }, { text: '<msg><text>nice avatar</text></msg>' });
    expect(await ask('look at me')).toEqual(['nice avatar']);
    const last = fake.requests[1]!.messages.at(-1) as { role: string; content: { type: string; image_url?: { url: string } }[] };
    expect(last.role).toBe('user');
    expect(last.content.some((p) => p.type === 'image_url' && p.image_url!.url.includes('/avatar/u1.png'))).toBe(true);
  });

  it('runs an exported command as a tool and gives the model its merged result', async () => {
    const plugin = makePlugin({ moduleName: 'weather_tool' });
    plugin.mountCommand(
      { name: 'weather', description: 'Weather in a city', args: { city: Arg.str('the city', { positional: true }) } },
      async (_ctx, { city }) => CmdCtl.success(`Sunny in ${String(city)}`),
    );
    current = await startAgentChat({ PLUGINS_ENABLED: plugin.key }, { plugins: [plugin] });
    const { fake, ask, app } = current;
    const name = commandToolName(app.commands.registry.list().find((c) => c.fullName.endsWith('weather'))!);
    fake.script({ toolCalls: [{ name, arguments: { city: 'Oslo' } }] }, { text: '<msg><text>It is sunny</text></msg>' });
    expect(await ask('weather in Oslo?')).toEqual(['It is sunny']);
    const tool = fake.requests[1]!.messages.find((m) => m.role === 'tool') as { content: string };
    expect(JSON.parse(tool.content)).toMatchObject({ status: 'success', message: 'Sunny in Oslo' });
  });

  it('puts plugin prompt injections in the run context, not in the system message', async () => {
    const plugin = makePlugin({ moduleName: 'moon_phase' });
    plugin.mountPromptInjectMethod({ name: 'phase' }, () => 'The moon is full tonight.');
    current = await startAgentChat({ PLUGINS_ENABLED: plugin.key }, { plugins: [plugin] });
    current.fake.script({ text: '<msg/>' });
    await current.ask('hello');
    const [system, user] = current.fake.requests[0]!.messages;
    expect(contentText(system!.content)).not.toContain('moon');
    expect(contentText(user!.content)).toContain(`<plugin_runtime_context name="phase" plugin="${plugin.key}">\nThe moon is full tonight.\n</plugin_runtime_context>`);
  });
});
