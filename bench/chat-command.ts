/**
 * Chat-command benchmark: what the framework itself spends on a command typed in chat, without a socket or a
 * peer. `/echo <n>` messages go through `app.ingest` (duplicate check, chat lane, interceptors, command entry,
 * executor, the reply's send and its history row) to an adapter whose `send` resolves at once; 32 in flight,
 * from 8 users in 4 groups, as in the `onebot` bench. The real app: built-in plugins, silent logger, SQLite in
 * memory, flood limits off.
 *
 * Reference, measured in the same run: the same app sending the same replies with `app.send` (the send and the
 * history row alone), so the ratio is what ingest, pipeline and command add on top of replying.
 *
 * BENCH_CHAT_PASSES (21) passes of BENCH_CHAT_MESSAGES (5,000) each, the two loops taking turns (AB BA …); the
 * figures are the medians of the passes' process CPU per message. The OneBot bench cannot see a change of
 * 1 µs in this path (its rounds move by a fifth with the host); alternating short passes can.
 *
 * BENCH_CHAT_BASE=<checkout> adds the same path built from another checkout (a git worktree of the commit before
 * a change, its node_modules linked) in the same turns, and prints this checkout's CPU over that one's, pass by
 * pass, and their median.
 *
 * Every message must be answered once with its own text in its own chat, and no error may be counted;
 * anything else fails the benchmark.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { SendResult } from '../core/adapter/index.js';
import { createInboundMessage, type ChatKey, type InboundMessage, type Segment } from '../core/message/index.js';
import { createApp, loadConfig, type App } from '../core/runtime/index.js';
import { openSqliteStore } from '../core/store/index.js';
import { envInt, fixed, int, median, table } from './stats.js';

const IN_FLIGHT = 32;
const GROUPS = 4;
const USERS = 8;

const groupOf = (n: number): string => String(700_000 + (n % GROUPS));
/** Message `n`'s chat, as the app keys it: the check fails if the two ever differ. */
const chatKeyOf = (n: number): ChatKey => `bench-group_${groupOf(n)}`;

interface Modules {
  createApp: typeof createApp;
  loadConfig: typeof loadConfig;
  openSqliteStore: typeof openSqliteStore;
  createInboundMessage: typeof createInboundMessage;
}

const THIS_CHECKOUT: Modules = { createApp, loadConfig, openSqliteStore, createInboundMessage };

async function modulesAt(dir: string): Promise<Modules> {
  const at = (file: string) => import(pathToFileURL(path.resolve(dir, file)).href) as Promise<Record<string, unknown>>;
  const [runtime, store, message] = await Promise.all([at('core/runtime/index.ts'), at('core/store/index.ts'), at('core/message/index.ts')]);
  return { createApp: runtime.createApp, loadConfig: runtime.loadConfig, openSqliteStore: store.openSqliteStore, createInboundMessage: message.createInboundMessage } as Modules;
}

/** An app whose adapter records what it was asked to send and answers at once. */
interface Bench {
  app: App;
  message(n: number): InboundMessage;
  /** Reply texts by chat, in the order sent. */
  sent: Map<ChatKey, string[]>;
  dir: string;
}

async function start(m: Modules): Promise<Bench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-chat-'));
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  const config = m.loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' });
  const sent = new Map<ChatKey, string[]>();
  let ids = 0;
  const adapter = {
    name: 'bench',
    start: async () => undefined,
    stop: async () => undefined,
    send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
      const texts = sent.get(chatKey) ?? [];
      sent.set(chatKey, texts);
      texts.push(segments.map((s) => (s.type === 'text' ? s.text : '')).join(''));
      return Promise.resolve({ messageId: String(++ids) });
    },
  };
  const app = m.createApp(config, { log, store: m.openSqliteStore({ path: ':memory:', log }), adapters: [adapter] });
  await app.start();
  const message = (n: number): InboundMessage => {
    const group = groupOf(n);
    const user = String(200_000 + (Math.floor(n / GROUPS) % USERS));
    const text = `/echo ${n}`;
    return m.createInboundMessage(
      { adapter: 'bench', botId: '10001', chatType: 'group', chatId: group, userId: user, userName: `user-${user}`, segments: [{ type: 'text', text }], messageId: String(n), time: Date.now(), senderRole: 'member' },
      { validated: true },
    );
  };
  return { app, message, sent, dir };
}

/** Runs `count` messages from `first` through `one`, 32 at a time; the process CPU a message, µs. */
async function pass(count: number, one: (n: number) => Promise<unknown>, first: number): Promise<number> {
  let next = 0;
  const cpu = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < count) await one(first + next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / count;
}

/** What is wrong with the replies of messages `from` … `to - 1` (each chat's in order), or undefined. */
function check(b: Bench, from: number, to: number): string | undefined {
  const expected = new Map<ChatKey, string[]>();
  for (let n = from; n < to; n++) {
    const key = chatKeyOf(n);
    expected.set(key, [...(expected.get(key) ?? []), String(n)]);
  }
  for (const [key, texts] of expected) {
    const got = b.sent.get(key) ?? [];
    if (got.length !== texts.length || got.some((t, i) => t !== texts[i])) return `${key}: ${got.length} replies for ${texts.length} messages, or not in order`;
  }
  const errors = ['command_errors_total', 'interceptor_errors_total', 'hook_errors_total', 'batch_errors_total'].filter((name) => b.app.metrics.total(name) > 0);
  return errors.length > 0 ? `errors counted: ${errors.join(', ')}` : undefined;
}

interface Loop {
  name: string;
  bench: Bench;
  run(n: number): Promise<unknown>;
  cpu: number[];
}

export async function run(): Promise<boolean> {
  const passes = envInt('BENCH_CHAT_PASSES', 21);
  const messages = envInt('BENCH_CHAT_MESSAGES', 5_000);
  const warmup = envInt('BENCH_CHAT_WARMUP', 20_000, 0);
  const base = process.env.BENCH_CHAT_BASE;
  console.log(
    `chat-command: "/echo <n>" through app.ingest to an adapter that answers at once (${USERS} users in ${GROUPS} groups, ${IN_FLIGHT} in flight), ` +
      `against app.send of the same replies; ${passes} passes of ${int(messages)} each, taking turns; ${int(warmup)} warm-up messages first`,
  );
  const benches = [await start(THIS_CHECKOUT), ...(base ? [await start(await modulesAt(base))] : [])];
  const loops: Loop[] = [
    { name: 'ingest /echo', bench: benches[0]!, run: (n) => benches[0]!.app.ingest(benches[0]!.message(n)), cpu: [] },
    { name: 'send only', bench: benches[0]!, run: (n) => benches[0]!.app.send(chatKeyOf(n), [{ type: 'text', text: String(n) }]), cpu: [] },
  ];
  if (benches[1]) loops.push({ name: `ingest /echo (${base})`, bench: benches[1], run: (n) => benches[1]!.app.ingest(benches[1]!.message(n)), cpu: [] });
  try {
    let seq = 1;
    const problems: string[] = [];
    const measured = async (loop: Loop, count: number): Promise<number> => {
      const first = seq;
      seq += count;
      const cpu = await pass(count, (n) => loop.run(n), first);
      const problem = check(loop.bench, first, seq);
      if (problem) problems.push(`${loop.name}: ${problem}`);
      for (const texts of loop.bench.sent.values()) texts.length = 0;
      return cpu;
    };
    for (const loop of loops) if (warmup > 0) await measured(loop, warmup);
    for (let i = 0; i < passes; i++) {
      for (const loop of i % 2 === 0 ? loops : [...loops].reverse()) loop.cpu.push(await measured(loop, messages));
    }
    const [path, send] = loops;
    console.log(table([
      ['loop', 'cpu µs/msg (median)', 'min', 'max'],
      ...loops.map((l) => [l.name, fixed(median(l.cpu), 2), fixed(Math.min(...l.cpu), 2), fixed(Math.max(...l.cpu), 2)]),
    ]));
    console.log(`cpu: the process's CPU time (user + system, V8's helper threads included) over a pass / messages.`);
    const added = median(path!.cpu) - median(send!.cpu);
    console.log(`ingest /echo over send only: ${fixed(median(path!.cpu) / median(send!.cpu), 2)}× (the path adds ${fixed(added, 2)} µs a message)`);
    if (loops[2]) {
      const perPass = path!.cpu.map((c, i) => c / loops[2]!.cpu[i]!);
      console.log(`this checkout over base, per pass: median ${fixed(median(perPass), 3)}, quartiles ${fixed(quartile(perPass, 0.25), 3)}–${fixed(quartile(perPass, 0.75), 3)}`);
    }
    if (problems.length > 0) for (const p of problems.slice(0, 5)) console.log(`check: FAILED: ${p}`);
    else console.log(`check: ok: every message answered once, in order, with its own text; no errors counted`);
    return problems.length === 0;
  } finally {
    for (const b of benches) {
      await b.app.stop();
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  }
}

function quartile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
