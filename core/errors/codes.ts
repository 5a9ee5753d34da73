/**
 * Every error code the framework reports, in one table (Fastify's `lib/errors.js` idea): a reader sees every
 * failure in one place, and `NekomataError` accepts no code that is not listed here. Each entry says what went
 * wrong; the error's message adds the particulars and what to do.
 */
export const ERROR_CODES = {
  // Configuration and start-up
  CONFIG_INVALID: 'a setting is missing or malformed (the message names each variable)',
  APP_STARTED: 'the app was already started, or an adapter was added after start',
  ADAPTER_DUPLICATE: 'two adapters share one name',
  ADAPTER_NOT_FOUND: 'a reply names a chat whose adapter is not running',
  ADAPTER_CANNOT_RECONNECT: 'an adapter was asked to reconnect while closed, or it has no connection of its own',
  HTTP_LISTEN: 'the HTTP server cannot open its port',
  HTTP_ROUTE_TAKEN: 'two parts asked for the same HTTP method and path',
  CLOSED: 'a component that has been closed was asked to do work',
  TIMEOUT: 'a call ran past its time limit and was abandoned',
  CONTROL_INCOMPLETE: 'a chat-wide operation (a channel reset) did not finish on every process within its time limit',
  UNAVAILABLE: 'a service the work depends on (Redis, a gateway) could not be reached: the work is retried',

  // Input from outside
  VALIDATION_FAILED: 'input from outside (an adapter, a plugin, an API body) does not have the expected shape',
  CHAT_KEY_INVALID: 'a chat key is not of the form <adapter>-<private|group>_<id>',
  NAME_INVALID: 'a name (of a tool, a tag, a hook owner) breaks its rules',
  HOOK_PRIORITY_INVALID: 'a hook priority is not a finite number',
  INTERCEPTOR_PRIORITY_INVALID: 'an interceptor priority is not a finite number',

  // Plugins
  PLUGIN_METADATA_INVALID: "a plugin's name, moduleName, version or other metadata breaks its rules",
  PLUGIN_LOAD_FAILED: 'a plugin module could not be imported or has no Plugin as its default export',
  PLUGIN_STATE: 'a plugin operation does not fit its state (not loaded, already loaded, a reload that changes the key)',
  PLUGIN_ALREADY_BOUND: 'one plugin instance was loaded into a second app',
  PLUGIN_NOT_LOADED: "a plugin's store, config or data directory was used before it was loaded",
  PLUGIN_CONFIG_INVALID: 'a plugin config update or stored value does not validate',
  PLUGIN_CONFIG_NOT_LOADED: "a plugin's config was read before it was loaded from the store",
  PLUGIN_TIMER_INVALID: 'a plugin timer has a bad id, a duplicate id or an interval out of range',
  SANDBOX_METHOD_NAME_INVALID: 'a sandbox method name is not an identifier',
  PATH_ESCAPE: 'a path leaves the folder it must stay in',
  PATH_LINK_LOOP: 'a path runs through a loop of symbolic links',
  PLUGIN_KEY_INVALID: 'a plugin key is not of the form <author>.<moduleName>',
  PLUGIN_MANIFEST_INVALID: "a plugin's plugin.toml is not valid TOML, or a field breaks its rule (the message names the field)",
  PLUGIN_SDK_UNSUPPORTED: "a plugin's [plugin.sdk] ranges refuse this Nekomata version",
  PLUGIN_DEPENDENCY: "a plugin's [[plugin.dependency]] is missing, of a version out of range, refused itself, or part of a cycle",
  PLUGIN_NOT_FOUND: 'a call names a plugin that is not loaded',
  PLUGIN_NOT_RUNNING: 'a call reached a plugin that is not enabled, or whose process is not running (starting, restarting, stopped after a crash loop, or it died during the call)',
  ENTRY_NOT_FOUND: 'a call names an entry the plugin does not declare',
  PLUGIN_TIMEOUT: "a call into a plugin ran past its time limit and was abandoned; the plugin's other calls and chats go on",
  PLUGIN_EXECUTION: "the plugin's own code threw during a call (the message carries the plugin's error)",
  PLUGIN_COMMUNICATION: "a message to or from a plugin's process could not be sent or made no sense (the process is restarted)",
  PLUGIN_CALL_REFUSED: 'a call between plugins was refused by the A1 policy: a cycle, or a chain deeper than the limit',
  PLUGIN_REGISTRATION_INVALID: 'an entry, timer, route or custom-event handler has a bad id, a duplicate id or bad options',
  RUN_NOT_FOUND: 'a run id names no stored run',
  RUN_STATE: 'a run operation does not fit the run state (progress on a finished run, a progress outside 0–1)',

  // Buffer and store
  BUFFER_SPOOL_FULL: 'Redis is away and the gateway spool holds BUFFER_SPOOL_MAX messages: the message was refused',
  BUFFER_SPOOL_UNREADABLE: 'a spool file saved at the last shutdown cannot be read',
  STORE_UNAVAILABLE: 'the Redis store cannot be reached',
  STORE_SCHEMA_NEWER: 'the SQLite store was written by a newer release',
  DATA_DIR_LOCKED: 'another running process holds DATA_DIR (its SQLite store has one owner)',

  // Commands
  COMMAND_NAME_INVALID: 'a command name or alias breaks the naming rules, or is taken',
  INVALID_ARGS: "a command's arguments do not match its declaration",

  // Agent
  LLM_PROVIDER_FAILED: 'every model of the provider failed',
  LLM_TURN_INVALID: 'a conversation turn cannot be sent to the model as it is',
  TOOL_SCHEMA_INVALID: "a tool's parameter schema cannot be compiled",
  REPLY_TAG_INVALID: "a reply tag's value cannot become a message segment",
  REPLY_MEDIA_REFUSED: 'a reply named a file or URL the bot must not send or fetch',

  // Sending
  SEND_FAILED: 'the platform refused a send',
  SEND_UNKNOWN: 'a send got no answer in time: it may or may not have arrived',

  // Adapters
  ONEBOT_NOT_CONNECTED: 'no OneBot connection is open for the account',
  ONEBOT_LINK_DOWN: 'the OneBot connection dropped while a call was waiting for its answer',
  ONEBOT_ACTION_FAILED: 'the OneBot implementation answered an action with a failure',
  ONEBOT_CALL_TIMEOUT: 'a OneBot action got no answer within ONEBOT_CALL_TIMEOUT_MS; it may still run',
  ONEBOT_DELIVERY_UNKNOWN: 'a OneBot action got no answer: it may or may not have been carried out',
  TELEGRAM_API: 'the Telegram Bot API refused a call',
  TELEGRAM_CHAT_BLOCKED: 'the Telegram user blocked the bot or left the chat',
  DISCORD_API: 'Discord refused a REST call',
  DISCORD_CHANNEL_REFUSED: 'Discord refused to send to a channel (missing permissions, unknown channel): not retried',
  DISCORD_UPLOAD_TOO_LARGE: 'a file is larger than Discord takes in one message; nothing of the reply was sent',
  DISCORD_MEDIA: 'a media segment could not be read for upload to Discord',
} as const;

/** A stable, machine-readable error code: one of `ERROR_CODES`. */
export type ErrorCode = keyof typeof ERROR_CODES;
