import { afterEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl, CommandPermission, GLOBAL, type CommandCaller } from '../../core/command/index.js';
import { describeSegments, type Segment } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { makePlugin } from '../support/plugins.js';
import { makeTestApp } from '../support/app.js';
import { RecordingAdapter, startChat } from '../support/chat.js';
import { makeMessage, until } from '../support/messages.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function chatWith(setup: (p: ReturnType<typeof makePlugin>) => void, env: Record<string, string> = {}, moduleName?: string) {
  const c = await startChat(env);
  app = c.app;
  const p = makePlugin(moduleName ? { moduleName } : {});
  setup(p);
  await c.app.plugins.load(p);
  await c.app.plugins.enable(p.key);
  return { ...c, plugin: p };
}

describe('resolving command names', () => {
  it('finds a command by full name, alias, short name and with - for _', async () => {
    const { say, plugin } = await chatWith((p) => {
      p.mountCommand({ name: 'get_weather', description: 'weather', aliases: ['tq'] }, () => CmdCtl.success('sunny'));
    });
    const ns = plugin.moduleName;
    expect(await say(`/${ns}:get_weather`)).toEqual(['sunny']);
    expect(await say(`/${ns}:tq`)).toEqual(['sunny']);
    expect(await say('/get_weather')).toEqual(['sunny']);
    expect(await say('/tq')).toEqual(['sunny']);
    expect(await say('/get-weather')).toEqual(['sunny']);
  });

  it('reports an ambiguous short name with the full names, and suggests close names for unknown ones', async () => {
    const c = await startChat();
    app = c.app;
    for (const moduleName of ['alpha', 'beta']) {
      const p = makePlugin({ moduleName });
      p.mountCommand({ name: 'status', description: 's' }, () => CmdCtl.success(moduleName));
      await c.app.plugins.load(p);
      await c.app.plugins.enable(p.key);
    }
    expect(await c.say('/status')).toEqual(['Command status is ambiguous, use a full name: alpha:status, beta:status']);
    expect(await c.say('/beta:status')).toEqual(['beta']);
    expect(await c.say('/statsu')).toEqual(['Unknown command: statsu\nDid you mean: status?']);
  });

  it('flattens groups to group.sub with inherited permission, category and tags, and prefixed aliases', async () => {
    const { app: a, say } = await chatWith((p) => {
      const g = p.mountCommandGroup({ name: 'config', description: 'configuration', permission: CommandPermission.ADVANCED, category: 'settings', tags: ['cfg'] });
      g.command({ name: 'set', description: 'set a key', aliases: ['s'], args: { key: Arg.str('key', { positional: true }), value: Arg.str('value', { positional: true }) } },
        (_ctx, { key, value }) => CmdCtl.success(`${key}=${value}`));
    }, { SUPER_USERS: 'test:root' });
    const cmd = a.commands.registry.list().find((c) => c.name === 'config.set')!;
    expect(cmd).toMatchObject({ permission: 'advanced', category: 'settings', tags: ['cfg'], aliases: ['config.s'] });
    expect(await say('/config.set model gpt-4', { user: 'root' })).toEqual(['model=gpt-4']);
    expect(await say('/config.s key:"temperature" value:0.7', { user: 'root' })).toEqual(['temperature=0.7']);
    expect(await say('/config.set a b')).toEqual(['Permission denied: config.set needs advanced']);
  });
});

describe('permissions and overrides', () => {
  const setup = (p: ReturnType<typeof makePlugin>) => {
    p.mountCommand({ name: 'kick', description: 'kick', permission: CommandPermission.ADVANCED }, () => CmdCtl.success('kicked'));
    p.mountCommand({ name: 'shutdown', description: 'stop', permission: CommandPermission.SUPER_USER }, () => CmdCtl.success('bye'));
  };

  it('gives super users from SUPER_USERS everything, group admins ADVANCED, others USER', async () => {
    const { say } = await chatWith(setup, { SUPER_USERS: 'test:boss' });
    expect(await say('/shutdown', { user: 'boss' })).toEqual(['bye']);
    expect(await say('/kick', { chatType: 'group', chat: 'g', role: 'admin' })).toEqual(['kicked']);
    expect(await say('/shutdown', { chatType: 'group', chat: 'g', role: 'owner' })).toEqual(['Permission denied: shutdown needs super user']);
    expect(await say('/kick')).toEqual(['Permission denied: kick needs advanced']);
  });

  it('honours stored grants, capped at ADVANCED', async () => {
    const { app: a, say } = await chatWith(setup);
    await a.commands.grant('test', 'u1', CommandPermission.SUPER_USER);
    expect(await say('/kick')).toEqual(['kicked']);
    expect(await say('/shutdown')).toEqual(['Permission denied: shutdown needs super user']);
  });

  it('applies per-chat before global overrides, persists them, and disables per chat', async () => {
    const { app: a, say, plugin } = await chatWith(setup);
    const kick = `${plugin.moduleName}:kick`;
    await a.commands.overrides.setPermission(kick, GLOBAL, CommandPermission.PUBLIC, CommandPermission.ADVANCED);
    await a.commands.overrides.setPermission(kick, 'test-private_strict', CommandPermission.SUPER_USER, CommandPermission.ADVANCED);
    expect(await say('/kick')).toEqual(['kicked']);
    expect(await say('/kick', { chat: 'strict' })).toEqual(['Permission denied: kick needs super user']);
    await a.commands.overrides.setEnabled(kick, 'test-private_c1', false);
    expect(await say('/kick')).toEqual(['Command disabled: kick']);
    expect(await say('/kick', { chat: 'other' })).toEqual(['kicked']);
    const stored = await a.store.kv.list({ pluginKey: '__commands__' });
    expect(stored.map((e) => e.key).sort()).toEqual([`enabled|test-private_c1|${kick}`, `perm|*|${kick}`, `perm|test-private_strict|${kick}`]);
  });

  it('removes a chat override set to what the chat would inherit', async () => {
    const { app: a, plugin } = await chatWith(setup);
    const kick = `${plugin.moduleName}:kick`;
    await a.commands.overrides.setPermission(kick, 'test-private_c1', CommandPermission.USER, CommandPermission.ADVANCED);
    await a.commands.overrides.setPermission(kick, 'test-private_c1', CommandPermission.ADVANCED, CommandPermission.ADVANCED);
    expect(await a.store.kv.list({ pluginKey: '__commands__' })).toEqual([]);
  });

  it('answers disabled for the commands of a disabled plugin', async () => {
    const { app: a, say, plugin } = await chatWith(setup, { SUPER_USERS: 'test:u1' });
    await a.plugins.disable(plugin.key);
    expect(await say('/kick')).toEqual(['Command disabled: kick']);
  });
});

describe('running commands', () => {
  it('sends streamed responses to the chat as they are yielded, in order', async () => {
    const { say, adapter } = await chatWith((p) => {
      p.mountCommand({ name: 'rebuild', description: 'slow' }, async function* () {
        yield CmdCtl.message('starting');
        await new Promise((r) => setTimeout(r, 20));
        yield CmdCtl.message('step one done');
        await new Promise((r) => setTimeout(r, 20));
        yield CmdCtl.success('rebuilt');
      });
    });
    const replies = await say('/rebuild');
    expect(replies).toEqual(['starting', 'step one done', 'rebuilt']);
    expect(adapter.sent.length).toBe(3);
  });

  it('does not hold the chat while a reply is being sent: the next command runs, and ingest still waits for its own replies', async () => {
    class GatedAdapter extends RecordingAdapter {
      readonly started: string[] = [];
      release: (() => void) | undefined;
      override async send(chatKey: string, segments: Segment[]) {
        const text = describeSegments(segments);
        this.started.push(text);
        if (text === 'first') await new Promise<void>((resolve) => (this.release = resolve));
        return super.send(chatKey, segments);
      }
    }
    const adapter = new GatedAdapter();
    const made = makeTestApp({}, { adapters: [adapter] });
    app = made.app;
    await app.start();
    let firstHandled = false;
    const first = app.ingest(makeMessage('/echo first')).then(() => (firstHandled = true));
    const second = app.ingest(makeMessage('/echo second'));
    // Before, the second command waited for the platform to take the first reply: this timed out.
    await until(() => adapter.started.includes('second'), 'the second command to run', 2000);
    await second;
    expect(adapter.started).toEqual(['first', 'second']);
    expect(firstHandled).toBe(false);
    adapter.release!();
    await first;
    expect(adapter.sent.map((s) => s.text)).toEqual(['second', 'first']);
  });

  it('quotes the command message in each of its replies when the adapter says so, and nothing else', async () => {
    const { say, adapter } = await chatWith((p) => {
      p.mountCommand({ name: 'two', description: 'two replies and a send of its own' }, async function* (ctx) {
        await ctx.send('from the handler itself');
        yield CmdCtl.message('working');
        yield CmdCtl.success('done');
      });
    }, { COMMAND_ADAPTERS: '{"test":{"quoteReplies":true}}' });
    await say('/two');
    const [own, working, done] = adapter.sent.map((s) => s.segments);
    expect(own!.map((g) => g.type)).toEqual(['text']);
    expect(working!.map((g) => g.type)).toEqual(['reply', 'text']);
    expect(working![0]).toEqual({ type: 'reply', messageId: expect.stringMatching(/^say\d+$/) });
    expect(done).toEqual([working![0], { type: 'text', text: 'done' }]);
  });

  it('turns a wrong argument into invalid_args naming it, with the usage', async () => {
    const { say } = await chatWith((p) => {
      p.mountCommand({ name: 'weather', description: 'w', args: { city: Arg.str('city', { positional: true, default: '北京' }), days: Arg.int('days', { range: [1, 7], default: 3 }) } },
        (_ctx, { city, days }) => CmdCtl.success(`${city} ${days}`));
    });
    expect(await say('/weather 上海 days:5')).toEqual(['上海 5']);
    expect(await say('/weather days:9')).toEqual(['Invalid argument: Argument days must be between 1 and 7, got 9\nUsage: weather [city] [days:<int 1..7>]']);
    expect(await say('/weather days:many')).toEqual([expect.stringContaining('Argument days requires an integer, got "many"')]);
  });

  it('reports a throwing handler as an error and keeps the chat working', async () => {
    const { say, lines } = await chatWith((p) => {
      p.mountCommand({ name: 'boom', description: 'b' }, () => {
        throw new Error('kaboom');
      });
      p.mountCommand({ name: 'ok', description: 'o' }, () => CmdCtl.success('fine'));
    });
    expect(await say('/boom')).toEqual(['Command failed: kaboom']);
    expect(await say('/ok')).toEqual(['fine']);
    expect(lines.some((l) => String(l.msg).includes('failed') && l.level === 50)).toBe(true);
  });

  it('never lets a command reach plugins or the buffer, even an unknown one', async () => {
    const c = await startChat({ COMMAND_UNKNOWN_REPLY: 'silent' });
    app = c.app;
    const seen: string[] = [];
    c.app.hooks.on('im_message', (e) => void seen.push(e.message.text));
    expect(await c.say('/nothing here')).toEqual([]);
    await c.say('plain text');
    expect(seen).toEqual(['plain text']);
    expect(c.app.metrics.get('messages_total', { outcome: 'intercepted' })).toBe(1);
  });

  it('lets prefixed text flow to the bot when commands are off for the adapter', async () => {
    const c = await startChat({ COMMAND_ADAPTERS: '{"test":{"enabled":false}}' });
    app = c.app;
    expect(await c.say('/echo hi')).toEqual([]);
    expect(c.app.metrics.get('messages_total', { outcome: 'buffer' })).toBe(1);
  });

  it('keeps silent statuses out of the chat and uses the adapter prefix', async () => {
    const c = await startChat({ COMMAND_ADAPTERS: '{"test":{"prefix":"#","silentStatuses":["not_found"]}}' });
    app = c.app;
    expect(await c.say('#echo hi')).toEqual(['hi']);
    expect(await c.say('#nope')).toEqual([]);
  });

  it('answers in the caller language', async () => {
    const c = await startChat();
    app = c.app;
    expect(await c.say('/nope', { language: 'zh-hans' })).toEqual(['未知命令: nope']);
    expect((await c.say('/help', { language: 'zh' }))[0]).toContain('可用命令');
  });
});

describe('waiting for an answer', () => {
  const setup = (p: ReturnType<typeof makePlugin>) => {
    p.mountCommand({ name: 'order', description: 'order a drink' }, () =>
      CmdCtl.wait('What would you like?', 'order_answer', { options: ['tea', 'coffee'], timeout: 0.3, contextData: { table: 'T "7"' } }));
    p.mountCommand({ name: 'order_answer', description: 'answer', internal: true, args: { choice: Arg.str('choice', { positional: true }), table: Arg.str('table') } },
      (_ctx, { choice, table }) => CmdCtl.success(`${choice} for ${table}`));
  };

  it('routes the next message of that user in that chat to the callback, with context data intact', async () => {
    const { say } = await chatWith(setup);
    expect(await say('/order')).toEqual(['What would you like?\nOptions: tea / coffee']);
    expect(await say('green tea', { user: 'other' })).toEqual([]);
    expect(await say('green tea', { chat: 'elsewhere' })).toEqual([]);
    expect(await say('green "hot" tea')).toEqual(['green "hot" tea for T "7"']);
    expect(await say('tea')).toEqual([]); // the wait is over
  });

  it('starts the wait before the chat\'s next message is taken, however long the store takes to keep it', async () => {
    const { app: a, say, adapter } = await chatWith(setup);
    // The store answers late: the answer, sent right behind the question, must still find the wait.
    const store = (a.commands.waits as unknown as { deps: { store: { put(w: unknown): Promise<void> } } }).deps.store;
    const put = store.put.bind(store);
    store.put = async (w) => {
      await new Promise((r) => setTimeout(r, 30));
      return put(w);
    };
    await Promise.all([say('/order'), say('green tea')]);
    expect(adapter.sent.map((m) => m.text)).toEqual(['What would you like?\nOptions: tea / coffee', 'green tea for T "7"']);
  });

  it('gives a callback with one positional argument the answer as written, without quotes', async () => {
    const { say } = await chatWith((p) => {
      p.mountCommand({ name: 'ask', description: 'ask' }, () => CmdCtl.wait('Your name?', 'named'));
      p.mountCommand({ name: 'named', description: 'named', internal: true, args: { name: Arg.str('name', { positional: true }) } },
        (_ctx, { name }) => CmdCtl.success(`hello ${String(name)}`));
    });
    expect(await say('/ask')).toEqual(['Your name?']);
    expect(await say('  Ann "the cat" Lee ')).toEqual(['hello Ann "the cat" Lee']);
  });

  it('is cancelled by a new command from the user', async () => {
    const { say } = await chatWith(setup);
    await say('/order');
    expect(await say('/echo changed my mind')).toEqual(['changed my mind']);
    expect(await say('tea')).toEqual([]);
  });

  it('sends the timeout notice to the chat and records it', async () => {
    const { app: a, say, adapter } = await chatWith(setup);
    await say('/order');
    await new Promise((r) => setTimeout(r, 500));
    expect(adapter.sent.at(-1)?.text).toBe('Timed out, cancelled');
    const history = await a.store.history.recent('test-private_c1', 10);
    expect(history.at(-1)).toMatchObject({ role: 'system', text: 'Timed out, cancelled' });
    expect(await say('tea')).toEqual([]);
  });

  it('is dropped by a channel reset', async () => {
    const { app: a, say } = await chatWith(setup);
    await say('/order');
    await a.resetChannel('test-private_c1');
    expect(a.commands.waits.size).toBe(0);
  });
});

describe('what a command answers', () => {
  it('names the command each response came from: a single answer, a stream and a refusal; an unknown name none', async () => {
    const { app: a, plugin } = await chatWith((p) => {
      p.mountCommand({ name: 'count', description: 'count' }, async function* () {
        yield CmdCtl.message('one');
        yield CmdCtl.success('two');
      });
      p.mountCommand({ name: 'boss', description: 'boss', permission: CommandPermission.ADVANCED }, () => CmdCtl.success('yes'));
    });
    const caller: CommandCaller = { userId: 'u1', userName: 'u1', chatKey: 'test-private_c1', adapter: 'test', level: CommandPermission.USER, lang: 'en_US', source: 'chat' };
    const run = async (name: string, raw = '') => {
      const out: { status: string; command: string | undefined }[] = [];
      for await (const r of a.commands.execute({ name, raw, caller })) out.push({ status: r.status, command: r.command?.fullName });
      return out;
    };
    const ns = plugin.moduleName;
    expect(await run('echo', 'hi')).toEqual([{ status: 'success', command: 'built_in:echo' }]);
    expect(await run('count')).toEqual([{ status: 'processing', command: `${ns}:count` }, { status: 'success', command: `${ns}:count` }]);
    expect(await run('boss')).toEqual([{ status: 'unauthorized', command: `${ns}:boss` }]);
    expect(await run('no_such_command')).toEqual([{ status: 'not_found', command: undefined }]);
  });
});

describe('commands for the agent and for platform menus', () => {
  it('runs tool calls at AGENT_COMMAND_PERMISSION when no level is given', async () => {
    const { executeCommandTool, commandToolName } = await import('../../core/command/index.js');
    const { app: a, plugin } = await chatWith((p) => {
      p.mountCommand({ name: 'kick', description: 'kick', permission: CommandPermission.ADVANCED }, () => CmdCtl.success('kicked'));
    }, { AGENT_COMMAND_PERMISSION: 'advanced' });
    const toolName = commandToolName(a.commands.registry.list().find((c) => c.source === plugin.key)!);
    expect(await executeCommandTool(a.commands, { toolName, arguments: '{}', chatKey: 'test-group_g' })).toMatchObject({ status: 'success', message: 'kicked' });
  });

  it('tells menu listeners when a plugin is disabled or an override changes', async () => {
    const { app: a, plugin } = await chatWith((p) => {
      p.mountCommand({ name: 'kick', description: 'kick' }, () => CmdCtl.success('kicked'));
    });
    let changes = 0;
    a.commands.registry.onChange(() => void changes++);
    await a.plugins.disable(plugin.key);
    await a.commands.overrides.setEnabled(`${plugin.moduleName}:kick`, GLOBAL, false);
    await a.plugins.enable(plugin.key);
    expect(changes).toBe(3);
  });
});
