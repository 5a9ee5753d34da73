import { PluginCallRefusedError, PluginCommunicationError, PluginExecutionError } from '../plugin/index.js';
import type { WireError } from './rpc.js';

/** What a failure in the process becomes here: the A1 policy's refusal stays one (it names the whole chain), the rest is the plugin's. */
export function remoteError(key: string, kind: string, e: WireError): Error {
  if (e.code === 'PLUGIN_COMMUNICATION') return new PluginCommunicationError(key, e.message);
  const d = e.details;
  if (e.code === 'PLUGIN_CALL_REFUSED' && Array.isArray(d?.chain) && typeof d.reason === 'string') return new PluginCallRefusedError(d.chain as string[], d.reason);
  return new PluginExecutionError(key, kind, Object.assign(new Error(e.message), { name: e.name }), e.stack);
}
