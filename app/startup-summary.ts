import type { App } from '../core/runtime/index.js';

/**
 * What `nekomata start` prints once the app has started: enough to see at a glance that the bot runs as
 * configured (which adapters are up, where messages wait and are kept, which plugins answer and why the
 * others do not) without reading the whole log.
 */
export function startupSummary(app: App, version: string): string {
  const { config } = app;
  const adapters = app.adapterStates().map((a) => `${a.name} (${a.state})`);
  const plugins = app.plugins.list();
  const enabled = plugins.filter((p) => p.state === 'enabled').map((p) => p.key);
  const disabled = plugins.filter((p) => p.state === 'disabled').map((p) => `    ${p.key}: ${p.disabledBecause ?? 'disabled'}`);
  const failed = plugins.filter((p) => p.state === 'failed').map((p) => `    ${p.key}: ${p.error?.message ?? 'failed'}`);
  const llm = config.llm;
  const lines = [
    `nekomata ${version} started (pid ${process.pid}, role ${config.role})`,
    `  adapters: ${adapters.length > 0 ? adapters.join(', ') : config.role === 'worker' ? 'none (a worker only handles batches)' : 'none'}`,
    `  buffer:   ${app.buffer.description}, debounce ${app.buffer.policy.debounceMs} ms`,
    `  store:    ${app.store.description}`,
    `  agent:    ${llm ? `${llm.models.join(' → ')} at ${llm.baseUrl}` : 'off (set LLM_MODEL to answer with a language model)'}`,
    `  http:     ${app.http.url ?? 'off (set HTTP_PORT to serve webhooks and /healthz)'}`,
    `  plugins:  ${enabled.length} enabled${enabled.length > 0 ? ` (${enabled.join(', ')})` : ''}, ${disabled.length} disabled, ${failed.length} failed`,
  ];
  if (disabled.length > 0) lines.push('  disabled:', ...disabled);
  if (failed.length > 0) lines.push('  failed:', ...failed);
  return lines.join('\n');
}
