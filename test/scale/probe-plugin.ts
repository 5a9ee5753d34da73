import { Arg, CmdCtl } from '../../core/command/index.js';
import { Plugin } from '../../core/plugin/index.js';

/** What the probe tells the test, from each process it runs in. */
export type ProbeReport =
  | { what: 'reset-callback'; chatKey: string }
  | { what: 'batch-hook'; chatKey: string; texts: string[] }
  | { what: 'enabled' | 'disabled' };

export const PROBE_KEY = 'test.probe';

/**
 * A plugin loaded into every process of a cluster test, reporting what the app made it do: its reset callback,
 * its `im_batch_message` hook (once per batch, with the texts), being enabled or disabled. `/probe:ask` waits
 * for the user's name and `/probe:named` answers it. `initMs` makes its init take that long, as a plugin that
 * connects somewhere at start does.
 */
export function probePlugin(report: (r: ProbeReport) => void, initMs = 0): Plugin {
  const plugin = new Plugin({
    name: 'Probe', moduleName: 'probe', description: 'reports what the app asks of it', version: '1.0.0',
    author: 'test', url: 'https://example.invalid/probe',
  });
  plugin.mountInitMethod(() => new Promise<void>((resolve) => setTimeout(resolve, initMs)));
  plugin.mountOnChannelReset((ctx) => report({ what: 'reset-callback', chatKey: ctx.chatKey }));
  plugin.on('im_batch_message', (event) => report({ what: 'batch-hook', chatKey: event.chatKey, texts: event.messages.map((m) => m.text) }));
  plugin.onEnabled(() => report({ what: 'enabled' }));
  plugin.onDisabled(() => report({ what: 'disabled' }));
  plugin.mountCommand({ name: 'ask', description: 'asks the user for a name' }, () => CmdCtl.wait('Your name?', 'probe:named', { timeout: 120 }));
  plugin.mountCommand(
    { name: 'named', description: 'answers a name', internal: true, args: { name: Arg.str('name', { positional: true }) } },
    (_ctx, { name }) => CmdCtl.success(`hello ${String(name)}`),
  );
  return plugin;
}
