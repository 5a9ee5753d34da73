/**
 * The entry point of an isolated plugin's process (`child_process.fork`). It waits for `start`, imports the plugin,
 * binds it to a runtime whose store, config and services are calls to the app, describes it, and then serves the
 * app's calls until `stop`.
 */
import type { BusRecord } from '../bus/index.js';
import { bindPlugin, importPlugin, type Plugin } from '../plugin/index.js';
import { ChildRuntime, type StartRequest } from './child-runtime.js';
import { runDeclaration } from './declaration-kinds.js';
import { describePlugin, runCallback, type CallbackCall, type PluginDescription } from './plugin-description.js';
import { RpcChannel, type RpcMessage, type WireError } from './rpc.js';

if (!process.send) {
  process.stderr.write('this module runs as a plugin process, forked by the app with an IPC channel\n');
  process.exit(2);
}

let plugin: Plugin | undefined;
let child: ChildRuntime | undefined;

const loaded = (): { plugin: Plugin; child: ChildRuntime } => {
  if (!plugin || !child) throw Object.assign(new Error('the plugin is not started yet'), { code: 'PLUGIN_NOT_RUNNING' });
  return { plugin, child };
};

/** An error from the app, as this side sees it: its code kept, so the plugin can tell a timeout from a refusal. */
const fromApp = (e: WireError): Error => Object.assign(new Error(e.message), { ...e.details, name: e.name, code: e.code, stack: `${e.name}: ${e.message}\n    (in the app)` });

const rpc: RpcChannel = new RpcChannel({
  send: (message: RpcMessage) => {
    if (!process.connected) throw new Error('the IPC channel to the app is closed');
    process.send!(message);
  },
  remoteError: fromApp,
  timeoutError: (kind, ms) => new Error(`${kind} gave no answer within ${ms} ms`),
  sendError: (reason, kind) => Object.assign(new Error(`${kind} could not be sent to the app: ${reason}`), { code: 'PLUGIN_COMMUNICATION' }),
  // stderr reaches the app's log (a warning naming the plugin), even when the pipe itself is what failed.
  // One line: the app logs each stderr line as a warning of its own.
  noteError: (kind, err) => void process.stderr.write(`the app's "${kind}" note could not be handled: ${err instanceof Error ? err.message : String(err)}\n`),
  notes: {
    'bus.record': ({ id, record }: { id: string; record: BusRecord }) => child?.neko.record(id, record),
  },
  handlers: {
    start: async (req: StartRequest): Promise<PluginDescription> => {
      child = new ChildRuntime(rpc, req);
      const p = await importPlugin(req.entry);
      const { runtime } = await child.bind(p);
      bindPlugin(p, runtime);
      plugin = p;
      return describePlugin(p);
    },
    ping: () => 'pong',
    declaration: ({ ref, payload }: { ref: number; payload: unknown }, scope) => {
      const { plugin, child } = loaded();
      const d = plugin.declarations[ref];
      if (!d) throw Object.assign(new Error(`plugin ${plugin.key} has no declaration #${ref}`), { code: 'PLUGIN_COMMUNICATION' });
      return runDeclaration(d, payload, scope, child);
    },
    callback: (call: CallbackCall) => {
      const { plugin, child } = loaded();
      return runCallback(plugin, child, call);
    },
    config_reload: () => loaded().child.reloadConfig(),
    'entry.abort': ({ token, reason }: { token: string; reason: string }) => loaded().child.neko.abort(token, reason),
    stop: () => {
      // Answer first, then leave: the app waits for the exit, and SIGTERM follows if it does not come.
      setImmediate(() => process.exit(0));
      return undefined;
    },
  },
});

process.on('message', (message: RpcMessage) => rpc.receive(message));
// The app is gone (it crashed, or it was killed): a plugin process never outlives it.
process.on('disconnect', () => process.exit(0));
// An error the plugin did not catch ends its process, as it would end an app: the app restarts it with backoff.
process.on('uncaughtException', (err) => {
  process.stderr.write(`uncaught exception in the plugin process: ${err.stack ?? String(err)}\n`);
  process.exit(70);
});
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in the plugin process: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});
process.send({ t: 'note', kind: 'hello', payload: process.pid } satisfies RpcMessage);
