export { FakeOpenAI, startFakeOpenAI } from './fake-openai.js';
export type { ChatCompletionRequest, FakeReply } from './fake-reply.js';
