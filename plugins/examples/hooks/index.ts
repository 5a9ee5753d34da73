/**
 * Hooks example: KiraAI's `@on.<event>` hooks (seed "Hook 系统"), translated. Shows hook priority, the
 * strategy methods with `force`, and the buffer and batch events.
 */
import { Priority } from '../../../core/hooks/index.js';
import { Plugin } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Hooks example',
  moduleName: 'example_hooks',
  description: 'Drops spam, answers "ping" at once, tracks buffer sizes and drops batches with nothing to answer.',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/hooks',
});

export const SPAM_PATTERN = /\b(spam|buy now|free money)\b/i;
/** Messages that need no answer: a batch made only of these is dropped. */
const ACKNOWLEDGEMENTS = new Set(['ok', 'okay', 'k', 'thanks', 'thx', '👍']);

// Unlike KiraAI, every message already has a strategy when plugin hooks run: the chat policy (a SYS_HIGH
// hook) picked `buffer` or `record`. Hooks run from the highest priority down; before any forced call the
// last call wins, and the first call with { force: true } locks the decision.

// HIGH runs before MEDIUM and LOW hooks. Forcing `discard` means no later hook can bring the message back.
plugin.on('im_message', (event) => {
  if (SPAM_PATTERN.test(event.message.text)) {
    plugin.log.info({ chatKey: event.message.chatKey, userId: event.message.userId }, 'spam discarded');
    event.discard({ force: true });
  }
}, { priority: Priority.HIGH });

// MEDIUM (the default). `trigger` answers this message alone, now, leaving the buffer as it is. It is not
// forced, so a LOW hook could still change it; after a forced call it returns false and changes nothing.
plugin.on('im_message', (event) => {
  if (event.message.text.trim().toLowerCase() !== 'ping') return;
  if (!event.trigger()) plugin.log.debug({ strategy: event.strategy }, 'ping not triggered: an earlier hook forced the strategy');
}, { priority: Priority.MEDIUM });

// A message entered the chat's debounce buffer (strategies `buffer` and `flush`). The store keeps the
// largest backlog each chat has had.
plugin.on('message_buffered', async (event) => {
  const address = { chatKey: event.chatKey, storeKey: 'max_pending' };
  const max = Number((await plugin.store.get(address)) ?? '0');
  if (event.pending > max) await plugin.store.set({ ...address, value: String(event.pending) });
});

// A batch left the buffer and is about to reach the chat's session (the agent). `stop()` drops it: here,
// a batch of acknowledgements only, which would cost a model call for nothing to say.
plugin.on('im_batch_message', (event) => {
  if (event.messages.every((m) => ACKNOWLEDGEMENTS.has(m.text.trim().toLowerCase()))) {
    plugin.log.info({ chatKey: event.chatKey, size: event.messages.length }, 'batch of acknowledgements dropped');
    event.stop();
  }
});

export default plugin;
