/**
 * `nekomata/testing`: test a plugin by talking to it. `startChat(plugin)` runs it in an app on the embedded
 * defaults; `chat.say(...)`, `chat.shouldReply(...)` and `chat.shouldNotReply(...)` read like the conversation.
 * `scriptedModel([...])` stands in for the language model, to test tools and prompts.
 */

// --- Talking to a plugin ---

/** Start an app on the embedded defaults with the plugin loaded, and talk to it as a chat. */
export { startChat, TestChat, type ChatOptions, type Speaker, type SentMessage } from './chat.js';

// --- Standing in for the language model ---

/** A model that answers from a script (reply texts and tool calls, in order) and keeps what the agent asked it. */
export { scriptedModel, type ScriptedModel, type ScriptedAnswer } from './scripted-model.js';
