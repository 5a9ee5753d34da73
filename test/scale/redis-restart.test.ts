import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOneBot, type ActionCall } from '../peers/onebot/fake-onebot.js';
import { sleep, until } from '../support/messages.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { Cluster } from './cluster.js';

let cluster: Cluster | undefined;
let server: RedisServer | undefined;
let fake: FakeOneBot | undefined;
afterEach(async () => {
  await cluster?.stop();
  await fake?.stop();
  await server?.stop();
  [cluster, server, fake] = [undefined, undefined, undefined];
});

const CHATS = 200;
const ROUNDS = 12;
const ROUND_GAP_MS = 300;
const DOWN_MS = 3000;

/** The text of a reply the fake received (`send_private_msg`, array or string message). */
function replyText(call: ActionCall): string {
  const message = call.params.message;
  if (typeof message === 'string') return message;
  return (message as { type: string; data: { text?: string } }[]).map((s) => s.data.text ?? '').join('');
}

/**
 * A OneBot peer that never sends an event twice (OneBot has no redelivery), a gateway and two echo workers
 * (one reply per message), and Redis stopped for DOWN_MS while the peer keeps sending. Counts from what the
 * peer sent and received and what the workers' handlers started on: messages never handled, replies received
 * more than once, and messages handled whose reply never arrived.
 */
async function restartUnderLoad(how: { fsync: 'always' | 'everysec'; crash: boolean }) {
  server = await startRedisServer({ persistent: true, fsync: how.fsync });
  fake = await FakeOneBot.start({ selfId: 10001, mode: 'forward' });
  cluster = new Cluster({
    REDIS_URL: server.url, REDIS_PREFIX: `test:${randomUUID()}`, DEBOUNCE_MS: '50', MAX_WAIT_MS: '400', BUFFER_LOCK_MS: '1500',
    ONEBOT_WS_URLS: fake.url, ECHO: '1',
    // Every process logs each connection it loses; SCALE_LOG_LEVEL=warn shows them.
    LOG_LEVEL: process.env.SCALE_LOG_LEVEL ?? 'fatal',
  });
  await cluster.spawn('gateway');
  await fake.waitForConnections(1, 10_000);
  await cluster.spawn('worker');
  await cluster.spawn('worker');
  const sent: string[] = [];
  const sending = (async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (let chat = 0; chat < CHATS; chat++) {
        const text = `c${chat}m${round}`;
        sent.push(text);
        fake!.emitEvent(fake!.privateMessage(20_000 + chat, text));
      }
      await sleep(ROUND_GAP_MS);
    }
  })();
  // A third of the way in, Redis goes away while the peer keeps sending.
  await sleep((ROUNDS * ROUND_GAP_MS) / 3);
  await server.restart({ crash: how.crash, downMs: DOWN_MS });
  await sending;
  const replies = (): string[] => fake!.calls.filter((c) => c.action === 'send_private_msg').map(replyText);
  await until(() => new Set(replies()).size >= sent.length, `a reply to each of the ${sent.length} messages`, 60_000).catch(() => undefined);
  // A late duplicate (a batch run again once its holder's lease lapsed) would come within a lease period or two.
  await sleep(2000);
  await cluster.stop();
  const handled = new Set(cluster.started.flatMap((b) => b.texts));
  const counts = new Map<string, number>();
  for (const r of replies()) counts.set(r, (counts.get(r) ?? 0) + 1);
  // Counts, each with its first few texts to look into.
  const summary = (texts: string[]): string => `${texts.length}${texts.length > 0 ? ` (${texts.slice(0, 8).join(', ')}…)` : ''}`;
  return {
    lost: summary(sent.filter((t) => !handled.has(t))),
    duplicateReplies: summary([...counts].filter(([, n]) => n > 1).map(([r]) => r)),
    handledWithoutReply: summary([...handled].filter((t) => !counts.has(`echo ${t}`))),
    // The outage reached the gateway's ingest: messages were held while Redis was away.
    spooled: cluster.metrics.filter((m) => m.role === 'gateway').some((m) => (m.counters['buffer_spooled_total{}'] ?? 0) > 0),
  };
}

const none = { lost: '0', duplicateReplies: '0', handledWithoutReply: '0', spooled: true };

describe('a Redis restart under OneBot load (gateway + 2 workers, 200 chats, no redelivery)', { timeout: 120_000 }, () => {
  it('loses nothing and replies exactly once to every message across a graceful restart (AOF everysec)', async () => {
    expect(await restartUnderLoad({ fsync: 'everysec', crash: false })).toEqual(none);
  });

  it('loses nothing and replies exactly once across a crash (SIGKILL) of a Redis with appendfsync always', async () => {
    expect(await restartUnderLoad({ fsync: 'always', crash: true })).toEqual(none);
  });
});
