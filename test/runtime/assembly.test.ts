import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../core/runtime/index.js';
import { startAgentChat } from '../support/agent.js';

let current: Awaited<ReturnType<typeof startAgentChat>> | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

/** Makes every call back into the app's own `send` fail loudly: the parts must not reach for the `App`. */
function cutAppSend(app: App): string[] {
  const calls: string[] = [];
  app.send = async (chatKey) => {
    calls.push(chatKey);
    throw new Error('a part called back into App.send');
  };
  return calls;
}

describe('the app is assembled bottom-up', () => {
  it("a batch goes buffer → session → agent → sender without passing through the App, and so does a command's output", async () => {
    current = await startAgentChat();
    const { app, fake, ask, say } = current;
    const calls = cutAppSend(app);
    fake.script({ text: 'hello back' });
    expect(await ask('hello')).toEqual(['hello back']);
    expect((await say('/help')).length).toBeGreaterThan(0);
    expect(calls).toEqual([]);
    expect(app.metrics.total('batch_errors_total')).toBe(0);
  });
});
