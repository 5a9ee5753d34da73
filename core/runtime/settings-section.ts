import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import type { Config, CoreSettingValues } from './config.js';

/** A rule between settings that does not hold: the variables it names, and what to do. */
export type SettingIssue = [variables: string[], message: string];

/**
 * The settings a part outside core owns (an adapter): its variables, how they combine with core's, and the
 * options it reads from them. The app composes core's settings with every part's (`loadSettings`), so adding an
 * adapter touches no file in core. Make one with `defineSettings`, which types `values` from `variables`.
 */
export interface SettingsSection<N extends string = string, V = Record<string, unknown>, T = unknown> {
  /** The part's key in the configuration, e.g. `onebot`. */
  readonly name: N;
  /** Each variable's schema over its string value; an unset or empty variable is absent. */
  readonly variables: z.ZodRawShape;
  /** Rules between its variables, or with core's: each names its variables. */
  issues?(values: V, core: CoreSettingValues): SettingIssue[];
  /** The part's options; `undefined` when it is off (its token unset, say). */
  read(values: V, core: CoreSettingValues): T;
  /** What the part changes in core's configuration: super users it adds, its adapter's command defaults. */
  amend?(config: Config, values: V): Config;
}

/** Types a section's `values` from its `variables`. */
export function defineSettings<N extends string, S extends z.ZodRawShape, T>(section: {
  name: N;
  variables: S;
  issues?(values: z.output<z.ZodObject<S>>, core: CoreSettingValues): SettingIssue[];
  read(values: z.output<z.ZodObject<S>>, core: CoreSettingValues): T;
  amend?(config: Config, values: z.output<z.ZodObject<S>>): Config;
}): SettingsSection<N, z.output<z.ZodObject<S>>, T> {
  return section;
}

/** Any section, whatever its values: a list of sections mixes them (methods compare their parameters loosely). */
export type AnySettingsSection = SettingsSection<string, never, unknown>;

/** The configuration of the parts: `{ onebot: OneBotOptions | undefined, … }`. */
export type SectionsConfig<S extends readonly AnySettingsSection[]> = {
  [K in S[number] as K['name']]: K extends SettingsSection<string, never, infer T> ? T : never;
};

/** What one schema made of its part of the environment. */
export interface ParsedPart {
  values: Record<string, unknown> | undefined;
  lines: { names: string[]; text: string }[];
}

/** Variables whose value is a secret: an error names their length, never the value (it would reach a terminal or a log). */
const SECRET = /TOKEN|SECRET|PASSWORD|API_KEY/;

/** Parses `input` with `shape`, turning each issue into a line that names its variable and what was given. */
export function parsePart(schema: z.ZodType, input: Record<string, string>): ParsedPart {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { values: parsed.data as Record<string, unknown>, lines: [] };
  const lines = parsed.error.issues.map((issue) => {
    // A rule between two settings names both and already says what each is.
    const between = issue.code === 'custom' ? (issue.params as { variables?: string[] } | undefined)?.variables : undefined;
    if (between) return { names: between, text: `  ${issue.message}` };
    const name = String(issue.path[0] ?? '(environment)');
    const got = input[name] === undefined ? '' : SECRET.test(name) ? ` (got ${input[name]!.length} characters)` : ` (got "${input[name]}")`;
    return { names: [name], text: `  ${name}: ${issue.message}${got}` };
  });
  return { values: undefined, lines };
}

/** The values of `names` in `env`, trimmed; empty ones count as unset. */
export function settingInput(env: Record<string, string | undefined>, names: readonly string[], alsoLowerCase: ReadonlySet<string> = new Set()): Record<string, string> {
  const input: Record<string, string> = {};
  for (const name of names) {
    const value = env[name]?.trim() || (alsoLowerCase.has(name) ? env[name.toLowerCase()]?.trim() : undefined);
    if (value !== undefined && value !== '') input[name] = value;
  }
  return input;
}

/** One `ConfigError` for every line, naming each variable once. */
export function settingsError(lines: { names: string[]; text: string }[]): ConfigError {
  return new ConfigError(
    [...new Set(lines.flatMap((l) => l.names))],
    `Invalid configuration; fix these settings in the environment or .env (see .env.example):\n${lines.map((l) => l.text).join('\n')}`,
  );
}
