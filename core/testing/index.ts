/**
 * `nekomata/testing`: test a plugin by talking to it. `startChat(plugin)` runs it in an app on the embedded
 * defaults; `chat.say(...)`, `chat.shouldReply(...)` and `chat.shouldNotReply(...)` read like the conversation.
 * `scriptedModel([...])` stands in for the language model, to test tools and prompts.
 */
export { startChat, TestChat, type ChatOptions, type Speaker, type SentMessage } from './chat.js';
export { scriptedModel, type ScriptedModel, type ScriptedAnswer } from './scripted-model.js';
