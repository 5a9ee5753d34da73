/**
 * One process of a multi-process test run: `ROLE=gateway` holds a `test` adapter fed by the parent over
 * IPC (or, with `ONEBOT_WS_URLS`, the real OneBot adapter dialling the parent's fake OneBot); `ROLE=worker`
 * handles batches, reporting each to the parent and replying through the outbox. Workers mark a chat in
 * flight in Redis (SET NX) to catch two batches of one chat at once. `ECHO=1`: the worker answers every
 * message of a batch with its own reply, `echo <text>`, and reports the batch when its handler starts.
 * `AGENT=1`: the agent answers batches (through the `LLM_*` settings). `PROBE=1` loads the probe plugin
 * (reports as `probe` messages; `PROBE_INIT_MS` slows its init). The parent may `call` an operation on the
 * app (`reset`, `enable`, `disable`, `has-wait`) and gets its result back as `called`.
 */
import { Redis } from 'ioredis';
import { OneBotAdapter } from '../../adapters/onebot/index.js';
import type { Adapter, AdapterHost } from '../../core/adapter/index.js';
import { createInboundMessage, describeSegments, type InboundMessageInput, type Segment } from '../../core/message/index.js';
import { openApp } from '../../core/runtime/index.js';
import { loadConfig } from '../../app/config.js';
import type { SessionHandler } from '../../core/session/index.js';
import { chatPolicy } from '../support/plugins.js';
import { PROBE_KEY, probePlugin } from './probe-plugin.js';

type FromParent =
  | { type: 'ingest'; id: number; message: InboundMessageInput }
  | { type: 'call'; id: number; op: 'reset' | 'enable' | 'disable' | 'has-wait'; args: string[] }
  | { type: 'stop' };
const send = (m: unknown): void => void process.send?.(m);

class IpcAdapter implements Adapter {
  readonly name = 'test';
  host: AdapterHost | undefined;
  async start(host: AdapterHost) {
    this.host = host;
  }
  async stop() {}
  async send(chatKey: string, segments: Segment[]) {
    send({ type: 'sent', chatKey, text: describeSegments(segments) });
    return { messageId: `sent-${Date.now()}` };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const config = loadConfig(process.env);
const handleMs = Number(process.env.HANDLE_MS ?? '0');
const probe = new Redis(config.redis!.url, { maxRetriesPerRequest: null });
// Redis restarts in some tests: the probe reconnects by itself.
probe.on('error', () => undefined);
const adapter = new IpcAdapter();
/** One reply per message: a message handled whose reply never reached the platform shows at the peer. */
const echo: SessionHandler = async (batch, ctx) => {
  send({ type: 'batch-start', pid: process.pid, chatKey: batch.chatKey, texts: batch.messages.map((m) => m.text) });
  for (const m of batch.messages) await ctx.reply(`echo ${m.text}`);
};
const gatewayAdapters = (): Adapter[] => (config.onebot ? [new OneBotAdapter(config.onebot)] : [adapter]);
const probes = process.env.PROBE === '1' ? [probePlugin((r) => send({ type: 'probe', pid: process.pid, role: config.role, ...r }), Number(process.env.PROBE_INIT_MS ?? '0'))] : [];
const app = await openApp(config, {
  adapters: config.role === 'gateway' ? gatewayAdapters() : [],
  builtinPluginDirs: [],
  plugins: [chatPolicy(), ...probes],
  sessionHandler: process.env.AGENT === '1' ? undefined : process.env.ECHO === '1' ? echo : async (batch, ctx) => {
    const flag = `${config.redis!.prefix}:test:inflight:${batch.chatKey}`;
    const texts = batch.messages.map((m) => m.text);
    if ((await probe.set(flag, String(process.pid), 'PX', 60_000, 'NX')) === null) {
      // Held by a worker that was killed mid-batch is a takeover, not an overlap.
      const holder = Number(await probe.get(flag));
      if (alive(holder)) send({ type: 'overlap', chatKey: batch.chatKey });
      await probe.set(flag, String(process.pid), 'PX', 60_000);
    }
    send({ type: 'batch-start', pid: process.pid, chatKey: batch.chatKey, texts });
    if (handleMs > 0) await new Promise((r) => setTimeout(r, handleMs));
    await probe.del(flag);
    send({ type: 'batch-done', pid: process.pid, chatKey: batch.chatKey, texts });
    await ctx.reply(`got ${texts.join(',')}`);
  },
});
await app.start();

process.on('message', (m: FromParent) => {
  if (m.type === 'stop') {
    // What the process counted, for tests that check a path was taken (the gateway's spool, say).
    send({ type: 'metrics', role: config.role, pid: process.pid, counters: Object.fromEntries(app.metrics.snapshot().map((c) => [c.name + JSON.stringify(c.labels), c.value])) });
    void app.stop('parent asked').then(() => probe.quit()).then(() => process.exit(0));
    return;
  }
  if (m.type === 'call') {
    call(m.op, m.args).then(
      (result) => send({ type: 'called', id: m.id, ok: true, result }),
      (err: unknown) => send({ type: 'called', id: m.id, ok: false, error: String(err) }),
    );
    return;
  }
  adapter.host!.ingest(createInboundMessage(m.message)).then(
    (r) => send({ type: 'ingested', id: m.id, ok: true, outcome: r.outcome }),
    (err: unknown) => send({ type: 'ingested', id: m.id, ok: false, error: String(err) }),
  );
});
async function call(op: 'reset' | 'enable' | 'disable' | 'has-wait', args: string[]): Promise<unknown> {
  if (op === 'reset') return app.resetChannel(args[0]!, 'test');
  if (op === 'enable') return app.plugins.enable(PROBE_KEY);
  if (op === 'disable') return app.plugins.disable(PROBE_KEY);
  return app.commands.waits.has(args[0]!, args[1]!);
}

send({ type: 'ready', role: config.role, pid: process.pid });
