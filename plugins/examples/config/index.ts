/**
 * Config example: Nekro Agent's `@plugin.mount_config()` and `plugin.config` (seed-systems §1.3),
 * translated to a zod schema. The settings steer an `im_message` hook.
 */
import { z } from 'zod';
import { Priority } from '../../../core/hooks/index.js';
import { Plugin } from '../../../core/plugin/index.js';

/**
 * Every field has a default, so the first load succeeds with nothing stored. The values are validated at
 * every change and persisted in the app's store; a field added in a new version is back-filled with its
 * default at the next load, and a stored value that no longer validates is reset to its default.
 */
export const configSchema = z.object({
  /** A message containing one of these words is answered at once, even in a group. */
  triggerWords: z.array(z.string().min(1)).default(['help']).describe('Words that make the bot answer at once'),
  /** Users whose messages are kept as context but never answered. */
  mutedUsers: z.array(z.string()).default([]).describe('User ids the bot does not answer'),
  /** Longer messages are discarded outright. */
  maxLength: z.number().int().positive().default(2000).describe('Longest message the bot reads, in characters'),
});

const plugin = new Plugin({
  name: 'Config example',
  moduleName: 'example_config',
  description: 'Trigger words, muted users and a length limit, from validated, persisted settings.',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/config',
  config: configSchema,
});

plugin.on('im_message', (event) => {
  // Read the settings on each call, not once at load: `plugin.config` always holds the latest values
  // (an admin's change through `plugin.updateConfig` applies to the next message).
  const { triggerWords, mutedUsers, maxLength } = plugin.config;
  const { text, userId } = event.message;
  if (text.length > maxLength) {
    event.discard({ force: true });
    return;
  }
  if (mutedUsers.includes(userId)) {
    event.record({ force: true });
    return;
  }
  const lower = text.toLowerCase();
  if (triggerWords.some((w) => lower.includes(w.toLowerCase()))) event.trigger();
}, { priority: Priority.MEDIUM });

/**
 * Adds a trigger word, the way a plugin changes its own settings. `updateConfig` merges the patch,
 * validates the whole config, persists it and resolves the new values; invalid values are refused with a
 * `PluginConfigError` (code `PLUGIN_CONFIG_INVALID`) naming each field, and nothing changes.
 */
export async function addTriggerWord(word: string): Promise<string[]> {
  const { triggerWords } = plugin.config;
  if (triggerWords.includes(word)) return triggerWords;
  return (await plugin.updateConfig({ triggerWords: [...triggerWords, word] })).triggerWords;
}

export default plugin;
