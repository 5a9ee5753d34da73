import { AssertionError } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Adapter, AdapterHost, SendResult } from '../adapter/index.js';
import type { ChatProvider } from '../agent/index.js';
import { MemoryBufferDriver } from '../buffer/index.js';
import { createInboundMessage, describeSegments, type ChatKey, type Segment } from '../message/index.js';
import { Metrics } from '../metrics/index.js';
import type { Plugin } from '../plugin/index.js';
import { createApp, loadConfig, type App } from '../runtime/index.js';
import { openSqliteStore } from '../store/index.js';

/** Who says something, and where. */
export interface Speaker {
  /** The user's id; default `alice`. */
  user?: string;
  /** The user's display name; default the id. */
  name?: string;
  /** Default `private`: a private chat with the user. */
  chatType?: 'private' | 'group';
  /** The group's id, for `chatType: 'group'`; default `group1`. */
  group?: string;
  /** The message is addressed to the bot (an @ in a group). Default true in groups. */
  toMe?: boolean;
  /** The user's role in the group: `admin` and `owner` run ADVANCED commands. */
  role?: 'owner' | 'admin' | 'member';
  /** The user's language, e.g. `zh-CN`, for commands' texts. */
  language?: string;
}

export interface ChatOptions extends Speaker {
  /** Settings, as environment variables (`DEBOUNCE_MS`, `COMMAND_PREFIX`, …). */
  env?: Record<string, string>;
  /** The speaker is a super user: may run every command. */
  superUser?: boolean;
  /** Other plugins to load with the one under test. */
  plugins?: Plugin[];
  /** The model that answers what is not a command (`scriptedModel([...])`); without one, nothing else is answered. */
  model?: ChatProvider;
}

/** One thing the bot sent: to which chat, as text and as segments. */
export interface SentMessage {
  chatKey: ChatKey;
  text: string;
  segments: Segment[];
}

/** The adapter of a test chat: named `test`, it keeps what the app sends. */
class TestChatAdapter implements Adapter {
  readonly name = 'test';
  readonly sent: SentMessage[] = [];
  host: AdapterHost | undefined;

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
  }

  async stop(): Promise<void> {}

  async send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    this.sent.push({ chatKey, text: describeSegments(segments), segments });
    return { messageId: `sent${this.sent.length}` };
  }
}

/**
 * A conversation with a plugin, read like one (Koishi's `client.shouldReply`): `say` a line and get what the bot
 * answered. Runs on the embedded defaults (in-memory store, in-process buffer, the built-in plugins) with the
 * plugin loaded and enabled. Works in any test runner: assertions throw `AssertionError`.
 */
export class TestChat {
  private n = 0;

  /** @internal made by `startChat` */
  constructor(
    /** The app the plugin runs in: its store, hooks, commands and metrics, for what the conversation does not show. */
    readonly app: App,
    private readonly adapter: TestChatAdapter,
    private readonly buffer: MemoryBufferDriver,
    private readonly speaker: Speaker,
    private readonly dataDir: string,
  ) {}

  /** Everything the bot sent so far, in order. */
  get sent(): readonly SentMessage[] {
    return this.adapter.sent;
  }

  /** The text of everything the bot sent so far, in order. */
  get replies(): string[] {
    return this.adapter.sent.map((s) => s.text);
  }

  /** The text of the last thing the bot sent. */
  get lastReply(): string | undefined {
    return this.adapter.sent.at(-1)?.text;
  }

  /**
   * Says `text` and resolves, once the bot has handled it (its command answered, its batch run), with the texts
   * the bot sent in that time.
   * @example
   * expect(await chat.say('/echo hi')).toEqual(['hi']);
   */
  async say(text: string, speaker: Speaker = {}): Promise<string[]> {
    const who = { ...this.speaker, ...speaker };
    const chatType = who.chatType ?? 'private';
    const user = who.user ?? 'alice';
    const before = this.adapter.sent.length;
    await this.app.ingest(
      createInboundMessage({
        adapter: 'test', botId: 'bot', chatType, chatId: chatType === 'group' ? (who.group ?? 'group1') : user,
        userId: user, userName: who.name ?? user, segments: [{ type: 'text', text }], messageId: `test${++this.n}`,
        toMe: who.toMe ?? true,
        ...(who.role ? { senderRole: who.role } : {}), ...(who.language ? { language: who.language } : {}),
      }),
    );
    await this.buffer.settled();
    return this.adapter.sent.slice(before).map((s) => s.text);
  }

  /** Says `text` and asserts that the bot answered: with `expected` when given (a text, a pattern, or each of several). */
  async shouldReply(text: string, expected?: string | RegExp | (string | RegExp)[], speaker?: Speaker): Promise<void> {
    const got = await this.say(text, speaker);
    if (got.length === 0) throw new AssertionError({ message: `expected a reply to ${JSON.stringify(text)}, got none`, actual: got, expected });
    if (expected === undefined) return;
    const wanted = Array.isArray(expected) ? expected : [expected];
    const fits = wanted.length === got.length && wanted.every((w, i) => (typeof w === 'string' ? got[i] === w : w.test(got[i]!)));
    if (!fits) throw new AssertionError({ message: `reply to ${JSON.stringify(text)} was ${JSON.stringify(got)}, expected ${String(wanted)}`, actual: got, expected: wanted, operator: 'shouldReply' });
  }

  /** Says `text` and asserts that the bot sent nothing. */
  async shouldNotReply(text: string, speaker?: Speaker): Promise<void> {
    const got = await this.say(text, speaker);
    if (got.length > 0) throw new AssertionError({ message: `expected no reply to ${JSON.stringify(text)}, got ${JSON.stringify(got)}`, actual: got, expected: [], operator: 'shouldNotReply' });
  }

  /** Stops the app (the plugin's cleanup runs, and the plugin may be loaded again) and removes its data directory. */
  async stop(): Promise<void> {
    await this.app.stop('the test chat ended');
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** `await using chat = await startChat(plugin)` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Starts an app with `plugin` loaded and enabled, and a chat to talk to it in. Give the plugin's folder (or module)
 * instead of the instance to load it as the app would, with its `plugin.toml`: an isolated plugin then runs in a
 * process of its own, as in production.
 * @example
 * import { startChat } from 'nekomata/testing';
 * const chat = await startChat(weather); // or startChat('./plugins/weather')
 * await chat.shouldReply('/weather Paris', /Paris/);
 * await chat.stop();
 */
export async function startChat(plugin: Plugin | string, options: ChatOptions = {}): Promise<TestChat> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-test-chat-'));
  const config = loadConfig({
    // Quick enough for tests, long enough for a burst typed at once to arrive as one batch.
    DEBOUNCE_MS: '20', MAX_WAIT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '2000', LOG_LEVEL: 'silent', DATA_DIR: dataDir,
    FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0', AGENT_REPLY_FORMAT: 'text',
    ...(options.model ? { LLM_MODEL: options.model.models[0] ?? 'test-model' } : {}),
    ...(options.superUser ? { SUPER_USERS: `test:${options.user ?? 'alice'}` } : {}),
    ...options.env,
  });
  const log = pino({ level: config.logLevel });
  const metrics = new Metrics();
  const buffer = new MemoryBufferDriver(config.buffer, { log, metrics });
  const adapter = new TestChatAdapter();
  const app = createApp(config, {
    log, metrics, buffer, adapters: [adapter],
    store: openSqliteStore({ path: ':memory:', log }),
    ...(options.model ? { provider: options.model } : {}),
  });
  await app.start();
  for (const p of [...(options.plugins ?? []), plugin]) {
    const info = typeof p === 'string' ? await app.plugins.loadFile(p) : await app.plugins.load(p);
    if (info.state === 'failed') {
      await app.stop('the plugin under test failed to load');
      throw new Error(`plugin ${info.key} failed to load: ${info.error?.message ?? 'no reason given'}`);
    }
    await app.plugins.enable(info.key);
  }
  return new TestChat(app, adapter, buffer, options, dataDir);
}
