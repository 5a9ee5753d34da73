/**
 * Sandbox-methods example: Nekro Agent's `mount_sandbox_method` with each `SandboxMethodType` and a
 * `mount_collect_methods` filter (seed "Plugin Instance and Lifecycle"), and KiraAI's `@register.tool` and
 * `@register.tag` (seed "Hook 系统").
 */
import { z } from 'zod';
import type { Segment } from '../../../core/message/index.js';
import { Plugin, SandboxMethodType } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Sandbox methods example',
  moduleName: 'example_sandbox_methods',
  description: 'One sandbox method of each type, a group-only one offered only in groups, and a global tool and tag.',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/sandbox-methods',
});

// Nekro's sandbox methods, offered to the agent as function-calling tools named `<pluginKey>.<name>`.
// The type decides what happens with the result (see SandboxMethodType). Arguments come from the model as
// untyped JSON: parse them with the schema that describes them.

const rollArgs = z.object({ sides: z.number().int().min(2).max(1000).default(6).describe('Number of sides') });

// TOOL: the value goes back to the model, which goes on writing its answer.
const rollDice = plugin.mountSandboxMethod(SandboxMethodType.TOOL, 'roll_dice', 'Roll a die and return the number', (_ctx, args) => {
  const { sides } = rollArgs.parse(args);
  return 1 + Math.floor(Math.random() * sides);
}, rollArgs);

const rememberArgs = z.object({ text: z.string().min(1) });

// BEHAVIOR: does something in the world; the result is recorded as a note and the run goes on.
const remember = plugin.mountSandboxMethod(SandboxMethodType.BEHAVIOR, 'remember', 'Remember a sentence for this chat', async (ctx, args) => {
  const { text } = rememberArgs.parse(args);
  await plugin.store.set({ chatKey: ctx.chatKey, storeKey: 'remembered', value: text });
  return `Remembered: ${text}`;
}, rememberArgs);

// AGENT: the result is information the model must read before answering, so another round is forced.
const recall = plugin.mountSandboxMethod(SandboxMethodType.AGENT, 'recall', 'Read what was remembered for this chat', async (ctx) => {
  return (await plugin.store.get({ chatKey: ctx.chatKey, storeKey: 'remembered' })) ?? 'Nothing was remembered in this chat.';
});

// MULTIMODAL_AGENT: the result is added as a user turn (it may hold images) and another round is forced.
const showAvatar = plugin.mountSandboxMethod(SandboxMethodType.MULTIMODAL_AGENT, 'show_avatar', "Look at the current user's avatar", (ctx) => {
  // A placeholder address: a real plugin would ask its platform for the avatar.
  const avatar: Segment = { type: 'image', url: `https://example.invalid/avatar/${encodeURIComponent(ctx.userId ?? 'unknown')}.png` };
  return [avatar];
});

const kickArgs = z.object({ userId: z.string().min(1), reason: z.string().default('') });

// A method that only makes sense in a group: the collect filter below hides it elsewhere.
const kickMember = plugin.mountSandboxMethod(SandboxMethodType.BEHAVIOR, 'kick_member', 'Remove a member from this group', async (ctx, args) => {
  const { userId, reason } = kickArgs.parse(args);
  plugin.log.info({ chatKey: ctx.chatKey, userId, reason }, 'kick requested');
  return `Asked to remove ${userId}${reason ? `: ${reason}` : ''}`;
}, kickArgs);

// Chooses, per context, which of this plugin's methods the agent is offered, as functions (Nekro's form)
// or by name. Without a filter every method is offered; one that throws offers none (fail closed).
const everywhere = [rollDice, remember, recall, showAvatar];
plugin.mountCollectMethods((ctx) => (ctx.chatType === 'group' ? [...everywhere, kickMember] : everywhere));

// KiraAI's `@register.tool`: a global tool, registered while the plugin is enabled.
plugin.registerTool({
  name: 'word_count',
  description: 'Count the words of a text',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => String(text.split(/\s+/).filter((w) => w.length > 0).length),
});

// KiraAI's `@register.tag`: the model writes `<shout>hello</shout>` in its reply and the handler turns the
// value into message segments.
plugin.registerTag({
  name: 'shout',
  description: 'Say the enclosed text in capitals, e.g. <shout>hello</shout>',
  handle: (value) => [{ type: 'text', text: value.toUpperCase() }],
});

export default plugin;
