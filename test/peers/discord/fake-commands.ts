import { snowflake, type Json } from './fake-payloads.js';

/** Discord's rule for command and option names (CHAT_INPUT): lowercase where a letter has a lowercase form. */
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/**
 * Checks a bulk-overwrite payload the way Discord does (Application Commands → Application Command Object):
 * names, descriptions, option counts, required options before optional ones, choices. Returns the first
 * problem, as Discord's 50035 Invalid Form Body would name it, or undefined.
 */
export function commandProblem(commands: unknown): string | undefined {
  if (!Array.isArray(commands)) return 'body: must be an array';
  if (commands.length > 100) return 'body: at most 100 chat input commands';
  const names = new Set<string>();
  for (const [i, c] of (commands as Json[]).entries()) {
    const where = `${i}`;
    const problem = nameProblem(c, where) ?? descriptionProblem(c, where) ?? optionsProblem(c.options, `${where}.options`);
    if (problem) return problem;
    if (names.has(String(c.name))) return `${where}.name: APPLICATION_COMMANDS_DUPLICATE_NAME`;
    names.add(String(c.name));
  }
  return undefined;
}

function nameProblem(o: Json, where: string): string | undefined {
  const name = String(o.name ?? '');
  if (!NAME.test(name) || name !== name.toLowerCase()) return `${where}.name: APPLICATION_COMMAND_INVALID_NAME (${name})`;
  for (const [locale, localized] of Object.entries((o.name_localizations as Json | null | undefined) ?? {})) {
    if (!NAME.test(String(localized))) return `${where}.name_localizations.${locale}: invalid`;
  }
  return undefined;
}

function descriptionProblem(o: Json, where: string): string | undefined {
  const d = String(o.description ?? '');
  if (d.length < 1 || d.length > 100) return `${where}.description: must be between 1 and 100 in length`;
  for (const [locale, localized] of Object.entries((o.description_localizations as Json | null | undefined) ?? {})) {
    const l = String(localized);
    if (l.length < 1 || l.length > 100) return `${where}.description_localizations.${locale}: must be between 1 and 100 in length`;
  }
  return undefined;
}

function optionsProblem(options: unknown, where: string): string | undefined {
  if (options === undefined) return undefined;
  if (!Array.isArray(options) || options.length > 25) return `${where}: at most 25 options`;
  let optionalSeen = false;
  for (const [i, o] of (options as Json[]).entries()) {
    const at = `${where}.${i}`;
    const problem = nameProblem(o, at) ?? descriptionProblem(o, at);
    if (problem) return problem;
    const sub = o.type === 1 || o.type === 2;
    if (sub) {
      const inner = optionsProblem(o.options, `${at}.options`);
      if (inner) return inner;
      continue;
    }
    if (o.required === true && optionalSeen) return `${at}.required: APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID (required options must be placed before non-required options)`;
    if (o.required !== true) optionalSeen = true;
    if (Array.isArray(o.choices) && o.choices.length > 25) return `${at}.choices: at most 25`;
  }
  return undefined;
}

/** The commands as Discord stores and returns them: ids, version, and its defaults for what was left out. */
export function storedCommands(applicationId: string, guildId: string | undefined, commands: Json[], previous: Json[]): Json[] {
  return commands.map((c) => {
    const old = previous.find((p) => p.name === c.name);
    return {
      id: old?.id ?? snowflake(), application_id: applicationId, version: snowflake(), type: 1, default_member_permissions: null,
      dm_permission: true, nsfw: false, integration_types: [0], contexts: null, name_localizations: null, description_localizations: null,
      ...(guildId ? { guild_id: guildId } : {}), ...c,
    };
  });
}
