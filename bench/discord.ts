/**
 * Discord benchmark: a Discord on 127.0.0.1 (bench/discord-peer.ts, REST v10 + gateway v10 JSON) dispatches
 * BENCH_DISCORD_MESSAGES guild messages `/echo <n>` (default 3,000) from 8 users in BENCH_DISCORD_CHANNELS
 * channels (16), keeping BENCH_DISCORD_IN_FLIGHT (32) unanswered, and times each reply: from the dispatch
 * to the bot's `POST /channels/:id/messages` whose content is `<n>`. Two bots in the same run, each logged in
 * with its own token, measured one at a time while the other idles:
 *
 * - nekomata: the real app (createApp, silent logger, in-memory SQLite store, built-in plugins, so the
 *   built-in `/echo` command answers) with `new DiscordAdapter(…)` and its slash-command source, as `npm start` has it;
 * - discord.js: a plain discord.js 14 client with the same intents, answering `/echo x` in `messageCreate`
 *   with `message.channel.send(x)`, what a bot written with discord.js alone does.
 *
 * Both clients get `rest.globalRequestsPerSecond` raised: discord.js spaces REST calls to Discord's global 50
 * a second by itself, which would make both bots equal at 50 replies/s and measure nothing of either. REST
 * still queues one request at a time per channel (Discord's per-route buckets), for both.
 *
 * BENCH_DISCORD_ROUNDS (5) rounds each measure both bots back to back (which goes first alternates); the
 * figures are medians over the rounds, the ratio the median of each round's ratio. BENCH_DISCORD_WARMUP
 * (3,000) messages go through each bot first, untimed. Every message must be answered exactly once with the
 * right text in the right channel, and nekomata must count no errors; anything else fails the benchmark.
 * The target (≥ 0.70 of the discord.js bot's rate) is reported, not enforced.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, GatewayIntentBits, Partials } from 'discord.js';
import { pino } from 'pino';
import { DiscordAdapter, discordCommandSource } from '../adapters/discord/index.js';
import { createApp, loadConfig } from '../core/runtime/index.js';
import { openSqliteStore } from '../core/store/index.js';
import type { PeerMessage, RunRequest, RunResult } from './discord-peer.js';
import { PeerThread } from './peer-thread.js';
import { envInt, fixed, int, median, summarize, table, threadCpuNs, type Summary } from './stats.js';

const TARGET_RATIO = 0.7;
const MAIN_THREAD_SCHEDSTAT = `/proc/${process.pid}/task/${process.pid}/schedstat`;
const USERS = 8;
/** discord.js's own client-side cap of Discord's global limit, lifted for both bots (see above). */
const REST = { globalRequestsPerSecond: 1_000_000 };

interface Settings {
  messages: number;
  inFlight: number;
  warmup: number;
  channels: number;
}

interface Bot {
  name: string;
  token: string;
  errors(): string | undefined;
  stop(): Promise<void>;
}

interface Measured {
  name: string;
  result: RunResult;
  rate: number;
  latency: Summary;
  busyUsPerMsg: number;
  cpuUsPerMsg: number;
  peerCpuUsPerMsg: number;
  check: { ok: boolean; detail: string };
}

/** The peer in its worker, and what it reports. */
class Peer extends PeerThread<PeerMessage> {
  readonly apiUrl: Promise<string>;

  constructor() {
    super(new URL('./discord-peer.ts', import.meta.url), 'discord', 15_000);
    this.apiUrl = this.next('listening').then((m) => m.apiUrl);
  }

  channels(channels: number): void {
    this.post({ kind: 'channels', channels });
  }

  async run(token: string, s: Settings, messages: number, firstSeq: number): Promise<RunResult> {
    const request: RunRequest = { kind: 'run', token, messages, inFlight: s.inFlight, firstSeq, channels: s.channels, users: USERS, stallMs: 15_000, graceMs: 100 };
    const result = this.next('result', 600_000);
    this.post(request);
    return result;
  }
}

async function startNekomata(apiUrl: string, token: string): Promise<Bot> {
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-discord-'));
  // Flood limits off, as in bench/onebot.ts: the load comes from a few synthetic users at rates the limits exist to refuse.
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dir, FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' });
  const app = createApp(config, { log, store: openSqliteStore({ path: ':memory:', log }) });
  app.addAdapter(new DiscordAdapter({ token, apiUrl, commands: discordCommandSource(app.commands), clientOptions: { rest: REST } }));
  await app.start();
  return {
    name: 'nekomata', token,
    errors: () => {
      const counted = [
        'command_errors_total', 'interceptor_errors_total', 'hook_errors_total', 'plugin_errors_total', 'discord_bad_dispatches_total',
        'discord_event_errors_total', 'discord_dispatch_errors_total', 'discord_api_errors_total', 'discord_send_refused_total',
      ].map((name) => [name, app.metrics.total(name)] as const).filter(([, n]) => n > 0);
      return counted.length > 0 ? counted.map(([name, n]) => `${name} ${n}`).join(', ') : undefined;
    },
    stop: async () => {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A bot written with discord.js alone: answer `/echo x` with `channel.send(x)`. */
async function startDiscordJs(apiUrl: string, token: string): Promise<Bot> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel],
    rest: { api: apiUrl, ...REST },
  });
  let failed = 0;
  client.on('messageCreate', (message) => {
    if (message.author.bot || !message.content.startsWith('/echo ')) return;
    if (message.channel.isSendable()) message.channel.send(message.content.slice(6)).catch(() => failed++);
  });
  await client.login(token);
  return { name: 'discord.js', token, errors: () => (failed > 0 ? `${failed} sends failed` : undefined), stop: () => client.destroy() };
}

async function connect(peer: Peer, start: (apiUrl: string, token: string) => Promise<Bot>, token: string, s: Settings, seq: { next: number }): Promise<Bot> {
  const connected = peer.next('connected');
  connected.catch(() => undefined);
  const bot = await start(await peer.apiUrl, token);
  await connected;
  if (s.warmup > 0) {
    const warm = await peer.run(token, s, s.warmup, seq.next);
    seq.next += s.warmup;
    const problem = runProblem(warm);
    if (problem) throw new Error(`discord: warm-up of ${bot.name} failed: ${problem}`);
  }
  return bot;
}

async function measure(bot: Bot, peer: Peer, s: Settings, seq: { next: number }): Promise<Measured> {
  // No forced collection before the run: V8 would throw away code optimised around the objects it freed and
  // compile it again inside the measured run (see bench/onebot.ts).
  const elu = performance.eventLoopUtilization();
  const cpu = threadCpuNs(MAIN_THREAD_SCHEDSTAT);
  const result = await peer.run(bot.token, s, s.messages, seq.next);
  const cpuNs = threadCpuNs(MAIN_THREAD_SCHEDSTAT) - cpu;
  const busy = performance.eventLoopUtilization(elu);
  seq.next += s.messages;
  const problem = runProblem(result) ?? bot.errors();
  return {
    name: bot.name, result, rate: result.messages / (result.elapsedMs / 1000),
    latency: summarize(result.latencies.filter((v) => !Number.isNaN(v))),
    busyUsPerMsg: (busy.active * 1000) / result.messages, cpuUsPerMsg: cpuNs / 1000 / result.messages, peerCpuUsPerMsg: result.peerCpuNs / 1000 / result.messages,
    check: problem ? { ok: false, detail: problem } : { ok: true, detail: `${int(result.answered)} of ${int(result.messages)} answered once, right text and channel; ${result.otherCalls} other REST calls` },
  };
}

function runProblem(r: RunResult): string | undefined {
  if (!r.stalled && r.answered === r.messages && r.duplicates === 0 && r.wrong === 0) return undefined;
  return `${r.answered} of ${r.messages} answered, ${r.duplicates} duplicates, ${r.wrong} wrong replies${r.stalled ? ', stalled' : ''}${r.problems.length > 0 ? `: ${r.problems.join('; ')}` : ''}`;
}

interface Round {
  nekomata: Measured;
  reference: Measured;
}

function printResults(s: Settings, rounds: readonly Round[]): void {
  const rows = [['round', 'bot', 'replies/s', 'p50 ms', 'p99 ms', 'max ms', 'bot cpu µs/msg', 'bot busy µs/msg', 'peer cpu µs/msg', 'vs discord.js', 'check']];
  rounds.forEach((round, i) => {
    for (const r of [round.nekomata, round.reference]) {
      rows.push([
        String(i + 1), r.name, int(r.rate), fixed(r.latency.p50, 2), fixed(r.latency.p99, 2), fixed(r.latency.max, 2),
        fixed(r.cpuUsPerMsg, 1), fixed(r.busyUsPerMsg, 1), fixed(r.peerCpuUsPerMsg, 1), `${fixed(r.rate / round.reference.rate, 3)}×`, r.check.ok ? 'ok' : 'FAIL',
      ]);
    }
  });
  console.log('');
  console.log(table(rows));
  console.log('');
  console.log(`replies/s: ${int(s.messages)} / (first dispatch → last reply received), ${s.inFlight} unanswered at any time, ${s.channels} channels.`);
  console.log('p50/p99/max: MESSAGE_CREATE sent → its POST /channels/:id/messages received, at the peer (worker thread), ms.');
  console.log("bot cpu: the bots' (main) thread on-CPU time / messages (Linux schedstat); bot busy: event-loop busy time / messages.");
  rounds.forEach((round, i) => {
    for (const r of [round.nekomata, round.reference]) if (!r.check.ok) console.log(`check round ${i + 1} ${r.name}: FAILED: ${r.check.detail}`);
  });
  if (rounds.every((r) => r.nekomata.check.ok && r.reference.check.ok)) console.log(`check: ok in every round: ${rounds[0]!.nekomata.check.detail}`);
}

export async function run(): Promise<boolean> {
  const s: Settings = {
    messages: envInt('BENCH_DISCORD_MESSAGES', 3_000),
    inFlight: envInt('BENCH_DISCORD_IN_FLIGHT', 32),
    warmup: envInt('BENCH_DISCORD_WARMUP', 3_000, 0),
    channels: envInt('BENCH_DISCORD_CHANNELS', 16),
  };
  const roundCount = envInt('BENCH_DISCORD_ROUNDS', 5);
  console.log(
    `discord: ${int(s.messages)} guild messages "/echo <n>" (${USERS} users in ${s.channels} channels) over gateway v10 + REST v10, ${s.inFlight} in flight; ` +
      `${int(s.warmup)} warm-up messages through each bot first (not timed); peer in a worker thread; ${roundCount} rounds, each measuring both bots back to back`,
  );
  const peer = new Peer();
  peer.channels(s.channels);
  const bots: Bot[] = [];
  try {
    const seq = { next: 1_000_000 };
    const nekomata = await connect(peer, startNekomata, 'b1.neko.mata', s, seq);
    bots.push(nekomata);
    const reference = await connect(peer, startDiscordJs, 'b2.discord.js', s, seq);
    bots.push(reference);
    const rounds: Round[] = [];
    for (let i = 0; i < roundCount; i++) {
      if (i % 2 === 0) {
        const n = await measure(nekomata, peer, s, seq);
        rounds.push({ nekomata: n, reference: await measure(reference, peer, s, seq) });
      } else {
        const r = await measure(reference, peer, s, seq);
        rounds.push({ nekomata: await measure(nekomata, peer, s, seq), reference: r });
      }
    }
    printResults(s, rounds);
    const ratios = rounds.map((r) => r.nekomata.rate / r.reference.rate);
    const ratio = median(ratios);
    const p50 = (m: Measured[]) => median(m.map((r) => r.latency.p50));
    const p99 = (m: Measured[]) => median(m.map((r) => r.latency.p99));
    const ours = rounds.map((r) => r.nekomata);
    const theirs = rounds.map((r) => r.reference);
    console.log(`ratio per round: ${ratios.map((r) => fixed(r, 3)).join(', ')}; median ${fixed(ratio, 3)}`);
    console.log(`target: nekomata ≥ ${fixed(TARGET_RATIO, 2)} of the discord.js bot's rate (median of the rounds): ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`);
    console.log(
      `discord (medians of ${roundCount} rounds): nekomata ${Math.round(median(ours.map((r) => r.rate)))} replies/s p50 ${fixed(p50(ours), 2)} ms p99 ${fixed(p99(ours), 2)} ms; ` +
        `discord.js ${Math.round(median(theirs.map((r) => r.rate)))} replies/s p50 ${fixed(p50(theirs), 2)} ms p99 ${fixed(p99(theirs), 2)} ms; ratio ${fixed(ratio, 3)}`,
    );
    return rounds.every((r) => r.nekomata.check.ok && r.reference.check.ok);
  } finally {
    for (const bot of bots) await bot.stop();
    await peer.stop();
  }
}
