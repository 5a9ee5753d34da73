/**
 * The default chat policy: what happens to a message no plugin has an opinion on. By default private chats
 * and messages addressed to the bot in groups are buffered (answered), other group messages recorded as
 * context. The `CHAT_*` settings and `WAKE_WORDS` choose; disable the plugin to decide everything in your own
 * hooks (every message is then only recorded).
 */
import { Priority } from '../../../core/hooks/index.js';
import { defaultChatPolicy } from '../../../core/pipeline/index.js';
import { Plugin } from '../../../core/plugin/index.js';
import { chatPolicyHandler } from './policy.js';

export { chatPolicyHandler } from './policy.js';

/**
 * A chat policy plugin of its own: the built-in is this module's default export; an app that should apply the
 * policy without the other built-ins (a test, say) loads one made here.
 */
export function createChatPolicyPlugin(): Plugin {
  const plugin = new Plugin({
    name: 'Chat policy',
    moduleName: 'chat_policy',
    description: 'The default strategy of a message: buffer private chats and mentions, record other group messages',
    version: '1.0.0',
    author: 'nekomata',
    url: 'https://github.com/nekomata',
    isBuiltin: true,
  });
  let decide = chatPolicyHandler(defaultChatPolicy);
  plugin.onEnabled(() => {
    decide = chatPolicyHandler(plugin.services.chatPolicy);
  });
  // SYS_HIGH: it runs first, so any plugin hook after it may change the decision (last call wins) or lock one with `force`.
  plugin.on('im_message', (event) => decide(event), { priority: Priority.SYS_HIGH });
  return plugin;
}

export default createChatPolicyPlugin();
