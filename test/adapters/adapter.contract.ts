import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../../core/adapter/index.js';
import type { InboundMessage, Segment } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { until } from '../support/messages.js';

/** What an adapter's platform may lack; the driver names each with the reason, and those cases are skipped. */
export type Capability =
  | 'groups' | 'reconnect' | 'duplicates' | 'mentionIn' | 'mentionOut' | 'replyIn' | 'replyOut' | 'imageIn' | 'imageOut'
  | 'fileIn' | 'fileOut' | 'split' | 'roles' | 'selfIgnored' | 'botsIgnored' | 'menu';

export type ChatKind = 'group' | 'private';

/** A message the peer sends to the bot. Segments: text, at (the bot or a user), reply, image (url), file (url). */
export interface Delivery {
  chat: ChatKind;
  from: 'member' | 'admin' | 'self' | 'otherBot';
  segments: Segment[];
}

/**
 * An adapter under the contract, talking to its fake peer: the driver speaks the peer's wire format on one
 * side and neutral segments on the other, so the suite can say what a user would see.
 */
export interface AdapterDriver {
  readonly app: App;
  readonly adapter: Adapter;
  /** The bot's own user id, as `at` segments name it. */
  readonly botId: string;
  readonly users: { member: string; admin: string };
  chatKey(chat: ChatKind): string;
  /** The peer delivers a message; resolves with its message id as the adapter reports it (`InboundMessage.messageId`). */
  deliver(m: Delivery): Promise<string>;
  /** The peer delivers its last delivery again, unchanged (a redelivery after a reconnect, a retried webhook). */
  redeliver(): Promise<void>;
  /** What the peer received from the bot in a chat, one entry per platform message, as neutral segments. */
  sent(chat: ChatKind): Segment[][];
  /** Cuts the link like a network failure; resolves once the adapter is connected again. */
  dropAndReconnect(): Promise<void>;
  /** Command names of the platform's native menu, once published. */
  menu(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface ContractTraits {
  /** The platform's text limit per message, in characters. */
  maxText: number;
  lacks: Partial<Record<Capability, string>>;
}

const textOf = (segments: readonly Segment[]): string => segments.map((s) => (s.type === 'text' ? s.text : '')).join('');

/**
 * The adapter contract (STYLE: a conformance suite any backend must pass): OneBot, Telegram, Discord and the
 * console each run it with a driver for their fake peer, `test/adapters/*.contract.test.ts`. One app per
 * adapter serves every case; cases use their own chats' messages and never depend on each other's order.
 */
export function describeAdapterContract(name: string, traits: ContractTraits, start: () => Promise<AdapterDriver>): void {
  describe(`adapter contract: ${name}`, () => {
    let d: AdapterDriver;
    const seen: InboundMessage[] = [];
    beforeAll(async () => {
      d = await start();
      d.app.hooks.on('im_message', (e) => void seen.push(e.message));
    }, 30_000);
    afterAll(async () => {
      await d?.stop();
    });

    const when = (capability: Capability | Capability[], title: string, fn: () => Promise<void>, timeoutMs?: number): void => {
      const missing = [capability].flat().map((c) => traits.lacks[c]).find((reason) => reason !== undefined);
      if (missing) it.skip(`${title} (not applicable: ${missing})`, fn);
      else it(title, fn, timeoutMs);
    };
    const chats: ChatKind[] = traits.lacks.groups ? ['private'] : ['group', 'private'];
    /** Waits for the bot's next message in a chat after `before` of them. */
    const nextSent = async (chat: ChatKind, before: number): Promise<Segment[]> => {
      await until(() => d.sent(chat).length > before, `the bot's message in the ${chat} chat`);
      return d.sent(chat)[before]!;
    };
    const ingestedById = async (id: string): Promise<InboundMessage> => {
      await until(() => seen.some((m) => m.messageId === id), `message ${id} to be ingested`);
      return seen.find((m) => m.messageId === id)!;
    };
    const roundTrip = async (chat: ChatKind, text: string): Promise<string> => {
      const before = d.sent(chat).length;
      await d.deliver({ chat, from: 'member', segments: [{ type: 'text', text: `/echo ${text}` }] });
      return textOf(await nextSent(chat, before));
    };

    for (const chat of chats) {
      it(`runs a command and answers in the ${chat} chat`, async () => {
        expect(await roundTrip(chat, `round trip ${chat}`)).toBe(`round trip ${chat}`);
      });
    }

    when('reconnect', 'reconnects after the link drops, and goes on answering', async () => {
      await d.dropAndReconnect();
      expect(await roundTrip(chats[0]!, 'after the drop')).toBe('after the drop');
    }, 20_000);

    when('duplicates', 'drops a message delivered twice', async () => {
      const first = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'text', text: 'only once' }] });
      await d.redeliver();
      const marker = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'text', text: 'after the duplicate' }] });
      await ingestedById(marker);
      expect(seen.filter((m) => m.messageId === first)).toHaveLength(1);
    });

    when('mentionIn', 'reads a mention of the bot as an `at` that addresses it', async () => {
      const id = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'at', userId: d.botId }, { type: 'text', text: ' hello' }] });
      const m = await ingestedById(id);
      expect(m.segments).toContainEqual(expect.objectContaining({ type: 'at', userId: d.botId }));
      expect(m.text.trim()).toBe('hello');
      expect(m.toMe).toBe(true);
    });

    when('replyIn', 'reads a reply as a `reply` segment naming the message it answers', async () => {
      const quoted = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'text', text: 'the question' }] });
      const id = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'reply', messageId: quoted }, { type: 'text', text: 'the answer' }] });
      expect((await ingestedById(id)).segments).toContainEqual(expect.objectContaining({ type: 'reply', messageId: quoted }));
    });

    when('imageIn', 'reads an image', async () => {
      const id = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'image', url: 'https://example.org/cat.png', name: 'cat.png' }] });
      const image = (await ingestedById(id)).segments.find((s) => s.type === 'image');
      expect(image).toBeDefined();
      expect(image).toSatisfy((s: { url?: string; fileId?: string }) => Boolean(s.url ?? s.fileId));
    });

    when('fileIn', 'reads a file', async () => {
      const id = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'file', url: 'https://example.org/notes.pdf', name: 'notes.pdf' }] });
      expect((await ingestedById(id)).segments).toContainEqual(expect.objectContaining({ type: 'file' }));
    });

    when('mentionOut', 'sends an `at` as a mention of that user', async () => {
      const before = d.sent(chats[0]!).length;
      await d.adapter.send(d.chatKey(chats[0]!), [{ type: 'at', userId: d.users.member }, { type: 'text', text: ' look' }]);
      const sent = await nextSent(chats[0]!, before);
      expect(sent).toContainEqual(expect.objectContaining({ type: 'at', userId: d.users.member }));
      expect(textOf(sent).trim()).toBe('look');
    });

    when('replyOut', 'sends a `reply` as a quote of that message', async () => {
      const quoted = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'text', text: 'quote me' }] });
      const before = d.sent(chats[0]!).length;
      await d.adapter.send(d.chatKey(chats[0]!), [{ type: 'reply', messageId: quoted }, { type: 'text', text: 'quoted' }]);
      expect(await nextSent(chats[0]!, before)).toEqual([{ type: 'reply', messageId: quoted }, { type: 'text', text: 'quoted' }]);
    });

    when(['imageOut', 'fileOut'], 'sends an image and a file', async () => {
      const before = d.sent(chats[0]!).length;
      const png = `base64://${Buffer.from('not really a png').toString('base64')}`;
      await d.adapter.send(d.chatKey(chats[0]!), [{ type: 'text', text: 'media' }, { type: 'image', url: png, name: 'pic.png', mime: 'image/png' }, { type: 'file', url: png, name: 'notes.txt', mime: 'text/plain' }]);
      await until(() => d.sent(chats[0]!).slice(before).flat().filter((s) => s.type === 'image' || s.type === 'file').length >= 2, 'the image and the file');
      const types = d.sent(chats[0]!).slice(before).flat().map((s) => s.type);
      expect(types).toEqual(expect.arrayContaining(['text', 'image', 'file']));
    });

    when('split', `splits a long text at the platform's limit (${traits.maxText}), losing nothing`, async () => {
      const words = Array.from({ length: Math.ceil((traits.maxText * 2.5) / 8) }, (_, i) => `w${String(i).padStart(6, '0')}`);
      const before = d.sent(chats[0]!).length;
      await d.adapter.send(d.chatKey(chats[0]!), [{ type: 'text', text: words.join(' ') }]);
      await until(() => d.sent(chats[0]!).length >= before + 3, 'three messages');
      const texts = d.sent(chats[0]!).slice(before).map(textOf);
      for (const t of texts) expect(t.length).toBeLessThanOrEqual(traits.maxText);
      expect(texts.join(' ').split(/\s+/)).toEqual(words);
    });

    when(['roles', 'groups'], 'maps group admins to ADVANCED commands and members to USER', async () => {
      const before = d.sent('group').length;
      await d.deliver({ chat: 'group', from: 'member', segments: [{ type: 'text', text: '/reset' }] });
      expect(textOf(await nextSent('group', before))).toBe('Permission denied: reset needs advanced');
      await d.deliver({ chat: 'group', from: 'admin', segments: [{ type: 'text', text: '/reset' }] });
      expect(textOf(await nextSent('group', before + 1))).toMatch(/^Reset /);
    });

    const ignores = (from: 'self' | 'otherBot') => async (): Promise<void> => {
      const ignored = await d.deliver({ chat: chats[0]!, from, segments: [{ type: 'text', text: `/echo from ${from}` }] });
      const marker = await d.deliver({ chat: chats[0]!, from: 'member', segments: [{ type: 'text', text: `after ${from}` }] });
      await ingestedById(marker);
      expect(seen.some((m) => m.messageId === ignored)).toBe(false);
      expect(d.sent(chats[0]!).flat().some((s) => s.type === 'text' && s.text === `from ${from}`)).toBe(false);
    };
    when('selfIgnored', "ignores the bot's own messages", ignores('self'));
    when('botsIgnored', "ignores other bots' messages", ignores('otherBot'));

    when('menu', "publishes the commands in the platform's native menu", async () => {
      expect(await d.menu()).toEqual(expect.arrayContaining(['echo', 'help']));
    });
  });
}
