import type { Lang } from './i18n.js';
import type { CommandPermission } from './permission.js';
import type { CommandStatus } from './response.js';

/** How commands behave in one adapter's chats. */
export interface AdapterCommandSettings {
  /** Commands off: prefixed text flows to the bot like any message (Decision §1.4.2). */
  enabled: boolean;
  prefix: string;
  /** Tell a user they lack the permission (else say nothing). */
  unauthorizedOutput: boolean;
  /** Statuses whose responses are not sent to the chat (Nekro: not_found, disabled, invalid_args). */
  silentStatuses: readonly CommandStatus[];
  /** Keep command lines in the chat's history (never triggering the bot). */
  recordInput: boolean;
  /** On an unknown command: reply with the closest names, or stay silent. */
  unknownReply: 'suggest' | 'silent';
  /** Replies to a command (or to a wait's answer) quote that message, as a `reply` segment. */
  quoteReplies: boolean;
}

export interface CommandSettings {
  defaults: AdapterCommandSettings;
  /** Per adapter name, what differs from the defaults. */
  adapters: Readonly<Record<string, Partial<AdapterCommandSettings>>>;
  /** `adapter:userId` entries. */
  superUsers: readonly string[];
  defaultLang: Lang;
  /** The level commands run at when the agent calls them as tools. */
  agentLevel: CommandPermission;
  greedyAfterPositionals: boolean;
  strictBool: boolean;
  /** Per-step time limit for a handler, ms. */
  callTimeoutMs: number;
}

export const defaultAdapterCommandSettings: AdapterCommandSettings = {
  enabled: true,
  prefix: '/',
  unauthorizedOutput: true,
  silentStatuses: [],
  recordInput: false,
  unknownReply: 'suggest',
  quoteReplies: false,
};

const merged = new WeakMap<CommandSettings, Map<string, AdapterCommandSettings>>();

/** The defaults with the adapter's differences; merged once per adapter (it is asked for every message). */
export function settingsFor(settings: CommandSettings, adapter: string): AdapterCommandSettings {
  const own = settings.adapters[adapter];
  if (!own) return settings.defaults;
  let byAdapter = merged.get(settings);
  if (!byAdapter) merged.set(settings, (byAdapter = new Map()));
  let result = byAdapter.get(adapter);
  if (!result) byAdapter.set(adapter, (result = { ...settings.defaults, ...own }));
  return result;
}
