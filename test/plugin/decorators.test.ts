import { afterEach, describe, expect, it } from 'vitest';
import { Priority, type MessageEvent } from '../../core/hooks/index.js';
import { BasePlugin, on, register } from '../../core/plugin/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage } from '../support/messages.js';

class Greeter extends BasePlugin {
  seen: string[] = [];
  constructor() {
    super({ name: 'Greeter', moduleName: 'greeter_decorated', description: 'class style', version: '1.0.0', author: 'tester', url: '' });
  }

  @on.im_message({ priority: Priority.HIGH })
  async lockGreeting(event: MessageEvent) {
    this.seen.push(`high ${event.message.text}`);
    if (event.message.text === 'hi') event.trigger({ force: true });
  }

  @on.im_message()
  async fallback(event: MessageEvent) {
    this.seen.push(`medium ${event.message.text}`);
    event.record();
  }

  @register.tool({ name: 'greet', description: 'greets someone', parameters: { type: 'object', properties: { who: { type: 'string' } } } })
  async greet(args: Record<string, unknown>) {
    return `hello ${String(args.who)} from ${this.name}`;
  }

  @register.tag({ name: 'wave', description: 'a waving hand' })
  async wave(value: string) {
    return [{ type: 'text' as const, text: `👋 ${value}` }];
  }
}

let app: App;
afterEach(async () => app?.stop());

describe('class-based plugins with decorators', () => {
  it('registers decorated hooks in priority order, and tools and tags bound to the instance', async () => {
    ({ app } = makeTestApp());
    await app.start();
    const greeter = new Greeter();
    await app.plugins.load(greeter);
    await app.plugins.enable(greeter.key);
    expect((await app.ingest(makeMessage('hi'))).outcome).toBe('trigger');
    expect((await app.ingest(makeMessage('other'))).outcome).toBe('record');
    expect(greeter.seen).toEqual(['high hi', 'medium hi', 'high other', 'medium other']);
    const ctx = { chatKey: 'test-private_c1', signal: new AbortController().signal };
    expect(await app.tools.get('greet')!.execute({ who: 'Ann' }, ctx)).toBe('hello Ann from Greeter');
    expect(await app.tags.get('wave')!.handle('bye', { chatKey: 'x', attributes: {} })).toEqual([{ type: 'text', text: '👋 bye' }]);
  });
});
