import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { InboundMessageInput } from '../../core/message/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../peers/openai/index.js';
import { until } from '../support/messages.js';
import { chatMessage, Cluster } from './cluster.js';

/**
 * Chat state across processes (issue 17): two gateways and two workers on one Redis, 100 chats, the agent
 * answering through a fake model, and the probe plugin in every process reporting what it was asked to do.
 * The tests run in order on one cluster.
 */
const CHATS = 100;
const prefix = `test:${randomUUID()}`;
const chatKey = (chat: number): string => `test-private_chat${chat}`;
let cluster: Cluster;
let model: FakeOpenAI;
let redis: Redis;
let gatewayA: ChildProcess;
let gatewayB: ChildProcess;
let workers: ChildProcess[];
let nextId = 0;

/** A message of `chat`'s user with a fresh id. */
const say = (chat: number, text: string): InboundMessageInput => ({ ...chatMessage(chat, 0), segments: [{ type: 'text', text }], messageId: `t${++nextId}` });
const sentTo = (chat: number): string[] => cluster.sent.filter((s) => s.chatKey === chatKey(chat)).map((s) => s.text);
/** Every text the probe's `im_batch_message` hook saw, in any process or in `pid`'s. */
const hookedTexts = (pid?: number): string[] =>
  cluster.probes.flatMap((p) => (p.what === 'batch-hook' && (pid === undefined || p.pid === pid) ? p.texts : []));

/** Resolves when `check` resolves true, asking again every 10 ms; rejects after `timeoutMs` naming `what`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The agent's memory of a chat, as the Redis store keeps it (`kv:__agent__`, field chat␀␀memory). */
const memoryOf = (chat: number): Promise<string | null> => redis.hget(`${prefix}:kv:__agent__`, `${chatKey(chat)}\u0000\u0000memory`);

beforeAll(async () => {
  model = await startFakeOpenAI();
  // A message with "slow" in it keeps its worker busy (the fake answers in a minute, or when the client hangs up).
  model.respond((body) => (JSON.stringify(body.messages).includes('slow') ? { text: 'late reply', delayMs: 60_000 } : { text: 'ok' }));
  redis = new Redis(inject('redisUrl'));
  cluster = new Cluster(
    { REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix, DEBOUNCE_MS: '50', MAX_WAIT_MS: '400', BUFFER_LOCK_MS: '1500', PROBE: '1', PLUGINS_ENABLED: 'test.probe', AGENT: '1', FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' },
    { inTest: false },
  );
  gatewayA = await cluster.spawn('gateway');
  gatewayB = await cluster.spawn('gateway');
  workers = [await cluster.spawn('worker', workerEnv()), await cluster.spawn('worker', workerEnv())];
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await redis?.quit();
  await model?.close();
});

beforeEach(() => cluster.printOnFailure());

function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { LLM_MODEL: 'fake', LLM_BASE_URL: model.url, LLM_API_KEY: 'k', LLM_MAX_RETRIES: '0', LLM_TIMEOUT_MS: '120000', AGENT_REPLY_FORMAT: 'text', ...extra };
}

describe('two gateways and two workers on one Redis: chat state', { timeout: 120_000 }, () => {
  it('answers 100 chats through both gateways', async () => {
    for (let chat = 0; chat < CHATS; chat++) expect((await cluster.ingest(say(chat, `hello ${chat}`), chat % 2 ? gatewayB : gatewayA)).outcome).toBe('buffer');
    await until(() => Array.from({ length: CHATS }, (_, chat) => sentTo(chat).includes('ok')).every(Boolean), 'every chat answered', 60_000);
  });

  it('a reset on gateway A aborts the slow batch a worker is handling: no reply after it, memory and history empty, every process ran the reset callback', async () => {
    expect(await memoryOf(0)).not.toBeNull();
    await cluster.ingest(say(0, 'something slow'), gatewayA);
    await until(() => model.requests.some((r) => JSON.stringify(r.messages).includes('something slow')), 'a worker to be handling the slow batch', 30_000);
    const repliesBefore = sentTo(0).length;

    const result = await cluster.call(gatewayA, 'reset', chatKey(0));

    expect(result).toMatchObject({ aborted: true });
    // The reset resolves after every process's part: the aborted run has returned, so nothing of it follows.
    expect(sentTo(0).slice(repliesBefore)).toEqual([]);
    expect(await memoryOf(0)).toBeNull();
    expect(await redis.exists(`${prefix}:history:${chatKey(0)}`)).toBe(0);
    const ranCallback = (): Set<number> => new Set(cluster.probes.filter((p) => p.what === 'reset-callback' && p.chatKey === chatKey(0)).map((p) => p.pid));
    await until(() => ranCallback().size === 4, 'the reset callback in all four processes', 5000);
    expect(ranCallback()).toEqual(new Set([gatewayA.pid, gatewayB.pid, ...workers.map((w) => w.pid)]));
  });

  it('a wait started through gateway A is answered through gateway B, once', async () => {
    expect((await cluster.ingest(say(1, '/probe:ask'), gatewayA)).outcome).toBe('intercepted');
    await until(() => sentTo(1).includes('Your name?'), 'the question', 10_000);
    // Gateway B hears of the wait through the control plane, a signal away.
    await eventually(async () => (await cluster.call(gatewayB, 'has-wait', chatKey(1), 'user1')) === true, 'gateway B to know of the wait', 2000);
    expect((await cluster.ingest(say(1, 'Ann'), gatewayB)).outcome).toBe('intercepted');
    await until(() => sentTo(1).includes('hello Ann'), 'the answer to reach the waiting command', 10_000);
    // The wait was taken once: the next message is the agent's again, whichever gateway it comes through.
    expect((await cluster.ingest(say(1, 'Bob'), gatewayA)).outcome).toBe('buffer');
    expect(hookedTexts()).not.toContain('Ann');
  });

  it('a message redelivered to the other gateway is dropped as a duplicate', async () => {
    const message = { ...say(2, 'said once'), messageId: 'redelivered-1' };
    expect((await cluster.ingest(message, gatewayA)).outcome).toBe('buffer');
    expect((await cluster.ingest(message, gatewayB)).outcome).toBe('duplicate');
    // Both arrived within one debounce window: had the second been taken, it would be in the same batch.
    await until(() => hookedTexts().includes('said once'), 'the batch', 10_000);
    expect(hookedTexts().filter((t) => t === 'said once')).toEqual(['said once']);
  });

  it('a plugin disabled on one process is disabled on every process within a second', async () => {
    const asked = Date.now();
    await cluster.call(gatewayB, 'disable');
    const disabled = () => cluster.probes.filter((p) => p.what === 'disabled' && p.at >= asked);
    await until(() => disabled().length === 4, 'every process to disable the plugin', 5000);
    expect(new Set(disabled().map((p) => p.pid)).size).toBe(4);
    expect(Math.max(...disabled().map((p) => p.at)) - asked).toBeLessThan(1000);

    const again = Date.now();
    await cluster.call(gatewayA, 'enable');
    await until(() => cluster.probes.filter((p) => p.what === 'enabled' && p.at >= again).length === 4, 'every process to enable it again', 5000);
  });

  it('a worker restarted with a backlog in Redis runs the plugin hooks on every backlog message', async () => {
    await Promise.all(workers.map((w) => cluster.stopProcess(w)));
    const backlog = Array.from({ length: CHATS }, (_, chat) => `backlog ${chat}`);
    for (let chat = 0; chat < CHATS; chat++) expect((await cluster.ingest(say(chat, backlog[chat]!), chat % 2 ? gatewayB : gatewayA)).outcome).toBe('buffer');
    // Its plugin takes a moment to start (as one that connects somewhere does): the backlog must wait for it.
    const worker = await cluster.spawn('worker', workerEnv({ PROBE_INIT_MS: '500' }));
    const hooked = (): Set<string> => new Set(hookedTexts(worker.pid));
    await until(() => backlog.every((t) => hooked().has(t)), 'the hook to see every backlog message', 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; not seen: ${backlog.filter((t) => !hooked().has(t)).length} of ${CHATS}`);
    });
  });
});
