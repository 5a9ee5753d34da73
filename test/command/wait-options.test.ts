import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../../adapters/console/index.js';
import { toOneBotSegments } from '../../adapters/onebot/index.js';
import { CmdCtl } from '../../core/command/index.js';
import { describeSegments, seg, type Segment } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { startChat } from '../support/chat.js';
import { makePlugin } from '../support/plugins.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The segments chat-entry sends for a wait with options, in the caller's language. */
async function waitPrompt(language?: string): Promise<Segment[]> {
  const c = await startChat();
  app = c.app;
  const p = makePlugin();
  p.mountCommand({ name: 'order', description: 'order' }, () => CmdCtl.wait('What would you like?', 'order', { options: ['tea', 'coffee'], timeout: 600 }));
  await c.app.plugins.load(p);
  await c.app.plugins.enable(p.key);
  await c.say('/order', language ? { language } : {});
  return c.adapter.sent.at(-1)!.segments;
}

describe('wait options', () => {
  it('go out as a buttons segment for the waiting user', async () => {
    const segments = await waitPrompt();
    expect(segments).toEqual([
      { type: 'text', text: 'What would you like?' },
      { type: 'buttons', title: 'Options:', userId: 'u1', buttons: [{ label: 'tea', value: 'tea' }, { label: 'coffee', value: 'coffee' }] },
    ]);
  });

  it('read as the same "Options:" line as before on OneBot, which has no buttons', async () => {
    const wire = toOneBotSegments(await waitPrompt());
    expect(wire).toEqual([
      { type: 'text', data: { text: 'What would you like?' } },
      { type: 'text', data: { text: '\nOptions: tea / coffee' } },
    ]);
  });

  it('print as the same line as before in the console, in the caller\'s language', async () => {
    const output = new PassThrough();
    const printed: string[] = [];
    output.on('data', (chunk: Buffer) => printed.push(chunk.toString('utf8')));
    const adapter = new ConsoleAdapter({ input: new PassThrough(), output, interactive: false });
    await adapter.send('console-private_local', await waitPrompt('zh'));
    expect(printed.join('')).toBe('bot> What would you like?\n可选: tea / coffee\n');
  });

  it('describe as a line of their own, whatever precedes them', () => {
    expect(describeSegments([seg.buttons(['a', 'b'])])).toBe('Options: a / b');
    expect(describeSegments([seg.text('Pick\n'), seg.buttons(['a'], { title: 'Choose:' })])).toBe('Pick\nChoose: a');
    expect(toOneBotSegments([seg.buttons(['a'])])).toEqual([{ type: 'text', data: { text: 'Options: a' } }]);
  });
});
