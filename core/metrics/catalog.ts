/**
 * What each counter counts, for the `# HELP` line of `/metrics`. The counters are counted where the fact
 * happens (one place each); this table only describes them. A counter missing here is still exported, with
 * a help line made from its name.
 */
const HELP: Readonly<Record<string, string>> = {
  messages_total: 'Messages ingested, by what became of them (outcome).',
  messages_sent_total: 'Messages sent to a chat, by adapter.',
  platform_events_total: 'Non-message platform events (notices, member changes), by adapter and kind.',
  batches_handled_total: 'Batches a session handled.',
  batches_stopped_total: 'Batches an im_batch_message hook stopped.',
  batches_redelivered_total: 'Batches (or their heads) delivered again and skipped, already applied.',
  batch_errors_total: 'Batches whose handler failed.',
  batch_retries_total: 'Batches left to run again (Redis or a gateway unreachable).',
  buffer_released_total: 'Buffer releases, by reason.',
  commands_total: 'Commands run, by command and where the call came from (source).',
  command_errors_total: 'Commands whose handler threw, by command.',
  hook_errors_total: 'Hook handlers that threw or timed out, by event and owner.',
  interceptor_errors_total: 'Ingest interceptors that threw, by owner.',
  plugin_errors_total: 'Plugin callbacks that threw or timed out, by plugin and stage.',
  plugin_load_failures_total: 'Plugins that failed to load, by error type.',
  plugin_reload_failures_total: 'Plugin reloads that failed (the old instance kept running), by plugin.',
  http_errors_total: 'HTTP requests whose handler failed, by route.',
  http_refused_total: 'HTTP requests refused before a handler ran, by reason.',
  admin_logins_total: 'Admin logins, by outcome (ok, wrong_token, limited).',
  admin_refused_total: 'Admin API requests refused, by reason (no_auth, origin, host).',
  admin_actions_total: 'Changes made through the admin API, by action.',
  llm_requests_total: 'Requests to the model, by model and outcome.',
  llm_tokens_total: 'Tokens used by the model, by model and kind (prompt, completion).',
  agent_runs_total: 'Agent runs, by outcome.',
  fatal_errors_total: 'Process-level errors (uncaught exceptions, unhandled rejections), by kind.',
  chat_state_evicted_total: 'Idle chats whose in-memory state was forgotten, by part.',
};

/** The help line of the counter `name`. */
export function counterHelp(name: string): string {
  return HELP[name] ?? `Counter ${name} (see the source that counts it).`;
}
