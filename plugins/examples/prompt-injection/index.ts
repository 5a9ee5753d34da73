/**
 * Prompt-injection example: Nekro Agent's `mount_prompt_inject_method` (seed "Plugin Instance and
 * Lifecycle", §5), translated. Before each agent run it tells the model the user's stored preferences and
 * the chat's mode. Two small sandbox methods let the agent store them.
 */
import { z } from 'zod';
import { Plugin, SandboxMethodType, type ChatContext } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Prompt injection example',
  moduleName: 'example_prompt_injection',
  description: "Adds the user's preferences and the chat's mode to the agent's prompt.",
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/prompt-injection',
});

/**
 * The user a context is about. A context built for a message names its sender; one built for a whole chat
 * (as an agent run is) names nobody, but in a private chat the chat id is the other person's user id.
 */
function userOf(ctx: ChatContext): string | undefined {
  return ctx.userId ?? (ctx.chatType === 'private' ? ctx.chatId : undefined);
}

/** Runs for every enabled plugin serving the chat's adapter; an empty string adds nothing to the prompt. */
plugin.mountPromptInjectMethod(
  { name: 'user_preference_injection', description: 'Inject user preferences and chat mode into the prompt' },
  async (ctx) => {
    const userId = userOf(ctx);
    const preferences = userId === undefined ? undefined : await plugin.store.get({ userKey: userId, storeKey: 'preferences' });
    const mode = await plugin.store.get({ chatKey: ctx.chatKey, storeKey: 'mode' });
    const parts: string[] = [];
    if (preferences) parts.push(`User preference settings: ${preferences}`);
    if (mode) parts.push(`Current session mode: ${mode}`);
    return parts.join('\n');
  },
);

// Sandbox method arguments arrive as untyped JSON from the model: the same zod schema documents them for
// the model and checks them here.
const preferenceArgs = z.object({ preferences: z.string().min(1).describe('What the user likes, in a few words') });
const modeArgs = z.object({ mode: z.string().min(1).describe('The mode of this chat, e.g. "casual" or "formal"') });

plugin.mountSandboxMethod(SandboxMethodType.TOOL, 'save_preferences', "Save the current user's preferences", async (ctx, args) => {
  const { preferences } = preferenceArgs.parse(args);
  const userId = userOf(ctx);
  if (userId === undefined) return 'No user to save preferences for in this context.';
  await plugin.store.set({ userKey: userId, storeKey: 'preferences', value: preferences });
  return `Preferences saved: ${preferences}`;
}, preferenceArgs);

plugin.mountSandboxMethod(SandboxMethodType.BEHAVIOR, 'set_chat_mode', "Set this chat's mode", async (ctx, args) => {
  const { mode } = modeArgs.parse(args);
  await plugin.store.set({ chatKey: ctx.chatKey, storeKey: 'mode', value: mode });
  return `Chat mode set to ${mode}`;
}, modeArgs);

export default plugin;
