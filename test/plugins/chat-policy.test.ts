import { describe, expect, it } from 'vitest';
import { HookRegistry, MessageEvent, Priority, type Strategy } from '../../core/hooks/index.js';
import { createInboundMessage, type InboundMessage } from '../../core/message/index.js';
import { defaultChatPolicy, type ChatPolicy } from '../../core/pipeline/index.js';
import chatPolicyPlugin, { chatPolicyHandler } from '../../plugins/builtin/chat-policy/index.js';
import { makeTestApp } from '../support/app.js';

const CHAT_POLICY_OWNER = chatPolicyPlugin.key;
/** The policy's hook as the plugin registers it: first, at SYS_HIGH. */
function installChatPolicy(hooks: HookRegistry, policy: ChatPolicy = defaultChatPolicy) {
  return hooks.on('im_message', chatPolicyHandler(policy), { priority: Priority.SYS_HIGH, owner: CHAT_POLICY_OWNER });
}
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';

function registry(): HookRegistry {
  const { log, metrics } = testDeps();
  return new HookRegistry(log, metrics);
}

async function decide(hooks: HookRegistry, message: InboundMessage): Promise<MessageEvent> {
  const event = new MessageEvent(message);
  await hooks.emit('im_message', event);
  return event;
}

const privateMessage = (text = 'hi'): InboundMessage => makeMessage(text, { chatType: 'private' });
const groupToMe = (text = 'hi'): InboundMessage => makeMessage(text, { chatType: 'group', toMe: true });
const groupOther = (text = 'hi'): InboundMessage => makeMessage(text, { chatType: 'group' });

describe('chat policy defaults', () => {
  it.each<[string, () => InboundMessage, Strategy]>([
    ['a private message', privateMessage, 'buffer'],
    ['a private message the adapter marked not toMe', () => makeMessage('x', { chatType: 'private', toMe: false }), 'buffer'],
    ['a group message addressed to the bot', groupToMe, 'buffer'],
    ['any other group message', groupOther, 'record'],
  ])('chooses for %s: %s', async (_name, message, expected) => {
    const hooks = registry();
    installChatPolicy(hooks);
    const event = await decide(hooks, message());
    expect(event.strategy).toBe(expected);
    expect(event.forced).toBe(false);
  });

  it('is the documented default policy', () => {
    expect(defaultChatPolicy).toEqual({ private: 'buffer', groupMentioned: 'buffer', groupOther: 'record', wakeWords: [] });
  });

  it('registers one im_message hook at SYS_HIGH under its own owner', async () => {
    const hooks = registry();
    installChatPolicy(hooks);
    expect(hooks.count('im_message')).toBe(1);
    // A hook above SYS_HIGH runs before the policy; one at SYS_HIGH registered later runs after it.
    const order: string[] = [];
    hooks.on('im_message', (e) => void order.push(`above saw ${e.strategy}`), { priority: Priority.SYS_HIGH + 1 });
    hooks.on('im_message', (e) => void order.push(`after saw ${e.strategy}`), { priority: Priority.SYS_HIGH });
    await decide(hooks, privateMessage());
    expect(order).toEqual(['above saw record', 'after saw buffer']);
    expect(CHAT_POLICY_OWNER).toBe('nekomata.chat_policy');
  });
});

describe('chat policy wake words', () => {
  const policy: ChatPolicy = { ...defaultChatPolicy, wakeWords: ['Neko', 'mata'] };

  it.each<[string, string, Strategy]>([
    ['the word as configured', 'hey Neko, are you there', 'buffer'],
    ['lower case', 'neko?', 'buffer'],
    ['upper case', 'NEKO!', 'buffer'],
    ['the second word', 'MaTa help', 'buffer'],
    ['inside a longer word', 'nekomata', 'buffer'],
    ['no wake word', 'hello everyone', 'record'],
    ['a partial word', 'nek o', 'record'],
  ])('treats a group message with %s as mentioned: %j → %s', async (_name, text, expected) => {
    const hooks = registry();
    installChatPolicy(hooks, policy);
    expect((await decide(hooks, groupOther(text))).strategy).toBe(expected);
  });

  it('matches wake words in text segments only', async () => {
    const hooks = registry();
    installChatPolicy(hooks, policy);
    const message = createInboundMessage({
      adapter: 'test',
      botId: 'bot',
      chatType: 'group',
      chatId: 'g1',
      userId: 'u1',
      segments: [{ type: 'image', name: 'neko.png' }, { type: 'text', text: 'look' }],
      messageId: 'wake-segments',
    });
    expect((await decide(hooks, message)).strategy).toBe('record');
  });

  it('ignores wake words in the default policy', async () => {
    const hooks = registry();
    installChatPolicy(hooks);
    expect((await decide(hooks, groupOther('neko'))).strategy).toBe('record');
  });
});

describe('chat policy custom values', () => {
  const custom: ChatPolicy = { private: 'trigger', groupMentioned: 'flush', groupOther: 'discard', wakeWords: ['bot'] };

  it.each<[string, () => InboundMessage, Strategy]>([
    ['private', privateMessage, 'trigger'],
    ['group, addressed to the bot', groupToMe, 'flush'],
    ['group, wake word', () => groupOther('hey BOT'), 'flush'],
    ['group, other', groupOther, 'discard'],
  ])('honours the custom choice for %s: %s', async (_name, message, expected) => {
    const hooks = registry();
    installChatPolicy(hooks, custom);
    expect((await decide(hooks, message())).strategy).toBe(expected);
  });

  it.each<Strategy>(['discard', 'record', 'buffer', 'flush', 'trigger'])('can send every private message to %s', async (strategy) => {
    const hooks = registry();
    installChatPolicy(hooks, { ...defaultChatPolicy, private: strategy });
    // Start from a different strategy so the policy's choice is observable.
    const event = new MessageEvent(privateMessage(), strategy === 'discard' ? 'record' : 'discard');
    await hooks.emit('im_message', event);
    expect(event.strategy).toBe(strategy);
  });
});

describe('chat policy alongside plugin hooks', () => {
  it("lets a later MEDIUM hook override the policy's choice without force", async () => {
    const hooks = registry();
    installChatPolicy(hooks);
    let took: boolean | undefined;
    hooks.on('im_message', (e) => {
      took = e.trigger();
    }, { priority: Priority.MEDIUM });
    const event = await decide(hooks, groupOther());
    expect(took).toBe(true);
    expect(event.strategy).toBe('trigger');
  });

  it('yields to a hook above SYS_HIGH that forced a choice', async () => {
    const hooks = registry();
    installChatPolicy(hooks);
    hooks.on('im_message', (e) => void e.discard({ force: true }), { priority: Priority.SYS_HIGH + 10 });
    const event = await decide(hooks, privateMessage());
    expect(event.strategy).toBe('discard');
  });

  it('stops deciding once disposed, leaving other hooks in place', async () => {
    const hooks = registry();
    const dispose = installChatPolicy(hooks);
    hooks.on('im_message', () => {}, { owner: 'plugin.other' });
    expect((await decide(hooks, privateMessage())).strategy).toBe('buffer');
    dispose();
    expect(hooks.count('im_message')).toBe(1);
    const event = await decide(hooks, privateMessage());
    expect(event.strategy).toBe('record');
    dispose();
    expect(hooks.count('im_message')).toBe(1);
  });
});

describe('the chat policy as a built-in plugin', () => {
  it('is loaded and enabled with the built-ins, applies the CHAT_* settings, and disabling it leaves every message recorded', async () => {
    const { app } = makeTestApp({ CHAT_PRIVATE: 'trigger' });
    await app.start();
    try {
      expect(app.plugins.list().find((p) => p.key === 'nekomata.chat_policy')).toMatchObject({ state: 'enabled', builtin: true });
      expect((await app.ingest(privateMessage())).outcome).toBe('trigger');
      await app.plugins.disable('nekomata.chat_policy');
      expect((await app.ingest(privateMessage())).outcome).toBe('record');
    } finally {
      await app.stop();
    }
  });
});
