import { closest, distance } from 'fastest-levenshtein';

/** Prefixes only Nekomata's settings use: a variable starting with one is meant for us. */
const OUR_PREFIXES = [
  'AGENT_', 'BUFFER_', 'CHAT_', 'COMMAND_', 'COMMANDS_', 'CONSOLE_', 'DEBOUNCE_', 'DEDUPE_', 'DISCORD_', 'FLOOD_', 'LLM_',
  'NEKOMATA_', 'ONEBOT_', 'PLUGIN_', 'PLUGINS_', 'REDIS_', 'TELEGRAM_', 'WAKE_',
];

/** A variable in the environment that looks like one of our settings but is not one. */
export interface SettingTypo {
  variable: string;
  /** The real setting it most resembles. */
  closest: string;
}

/**
 * Variables that look like settings of ours and are not: a close misspelling of one (`DEBOUNCE_MSS`,
 * `ONEBOT_WS_URL`), or a name with one of our prefixes. Such a typo would otherwise be ignored in silence and
 * the setting left at its default. Only upper-case names are considered (npm and the shell add lower-case
 * ones), and a misspelling must be within one edit for short names and two for names of eight or more.
 */
export function findSettingTypos(env: Record<string, string | undefined>, known: readonly string[]): SettingTypo[] {
  const ours = new Set(known);
  const typos: SettingTypo[] = [];
  for (const variable of Object.keys(env)) {
    if (ours.has(variable) || !/^[A-Z][A-Z0-9_]*$/.test(variable)) continue;
    const nearest = closest(variable, known);
    const near = distance(variable, nearest) <= (variable.length >= 8 ? 2 : 1);
    if (near || OUR_PREFIXES.some((p) => variable.startsWith(p))) typos.push({ variable, closest: nearest });
  }
  return typos;
}
