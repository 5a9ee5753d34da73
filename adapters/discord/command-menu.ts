import { Routes, type REST } from 'discord.js';
import type { Lang } from '../../core/command/index.js';
import { buildSlashCommands, type SlashCommandSet, type SlashSource } from './slash-commands.js';

/** What the menu reads from the app: the commands to publish, per language, and when they change. */
export interface SlashMenuSource {
  list(lang: Lang): SlashSource[];
  onChange(listener: () => void): () => void;
}

export interface CommandMenuOptions {
  rest: REST;
  applicationId: string;
  /** Publish to these guilds (applied at once) instead of globally. */
  guildIds: readonly string[];
  source: SlashMenuSource;
  /** Told what was published, skipped or dropped, and of failures. */
  report(event: MenuEvent): void;
  debounceMs?: number;
}

export type MenuEvent =
  | { kind: 'published'; scope: string; count: number }
  | { kind: 'unchanged'; scope: string; count: number }
  | { kind: 'dropped'; fullNames: string[] }
  | { kind: 'failed'; scope: string; err: unknown };

/**
 * Keeps Discord's application commands in step with the app's commands: published at start and again after
 * changes (a burst of changes coalesced into one publish), and only when the payload differs from what
 * Discord has: at start the commands Discord holds are read and compared, so a restart does not upload the
 * same commands again. Invocations are routed through the latest set at once, whatever Discord shows.
 */
export class CommandMenu {
  private set: SlashCommandSet = { payload: [], routes: new Map(), dropped: [] };
  /** What each scope holds, as compared: known after the first publish (read from Discord, or uploaded). */
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private publishing: Promise<void> = Promise.resolve();

  constructor(private readonly options: CommandMenuOptions) {}

  /** The commands as last built, for routing invocations. */
  get commands(): SlashCommandSet {
    return this.set;
  }

  async start(): Promise<void> {
    this.stopListening = this.options.source.onChange(() => this.schedule());
    await this.publish();
  }

  stop(): void {
    this.stopListening?.();
    clearTimeout(this.timer);
  }

  /** Resolves once the publish under way, if any, has finished. */
  settled(): Promise<void> {
    return this.publishing;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.publish(), this.options.debounceMs ?? 500);
    this.timer.unref();
  }

  private publish(): Promise<void> {
    this.publishing = this.publishing.then(async () => {
      const { source, report } = this.options;
      const set = buildSlashCommands(source.list('en_US'), source.list('zh_CN'));
      this.set = set;
      if (set.dropped.length > 0) report({ kind: 'dropped', fullNames: set.dropped });
      const wanted = canonical(set.payload);
      for (const scope of this.scopes()) {
        try {
          const held = this.held.get(scope) ?? canonical(await this.options.rest.get(this.route(scope)));
          if (held === wanted) {
            this.held.set(scope, wanted);
            report({ kind: 'unchanged', scope, count: set.payload.length });
            continue;
          }
          await this.options.rest.put(this.route(scope), { body: set.payload });
          this.held.set(scope, wanted);
          report({ kind: 'published', scope, count: set.payload.length });
        } catch (err) {
          this.held.delete(scope);
          report({ kind: 'failed', scope, err });
        }
      }
    });
    return this.publishing;
  }

  private scopes(): string[] {
    return this.options.guildIds.length > 0 ? this.options.guildIds.map((g) => `guild ${g}`) : ['global'];
  }

  private route(scope: string): `/${string}` {
    const { applicationId } = this.options;
    return scope === 'global' ? Routes.applicationCommands(applicationId) : Routes.applicationGuildCommands(applicationId, scope.slice('guild '.length));
  }
}

type Json = Record<string, unknown>;

/**
 * Commands in a form that compares equal whatever Discord added or left out: the fields the adapter sets, in
 * a fixed order, Discord's defaults (`required: false`, empty localizations, no options) made explicit.
 */
export function canonical(commands: unknown): string {
  if (!Array.isArray(commands)) return '';
  const list = (commands as Json[]).map((c) => ({ ...named(c), default_member_permissions: c.default_member_permissions ?? null, options: options(c.options) }));
  return JSON.stringify(list.sort((a, b) => a.name.localeCompare(b.name)));
}

function named(o: Json): { name: string; description: unknown; name_localizations: unknown; description_localizations: unknown } {
  const local = (v: unknown) => (v && typeof v === 'object' && Object.keys(v).length > 0 ? Object.fromEntries(Object.entries(v).sort()) : null);
  return { name: String(o.name), description: o.description, name_localizations: local(o.name_localizations), description_localizations: local(o.description_localizations) };
}

function options(list: unknown): unknown[] {
  if (!Array.isArray(list)) return [];
  return (list as Json[]).map((o) => ({
    type: o.type, ...named(o), required: o.required === true,
    choices: Array.isArray(o.choices) && o.choices.length > 0 ? (o.choices as Json[]).map((c) => ({ name: c.name, value: c.value })) : null,
    min_value: o.min_value ?? null, max_value: o.max_value ?? null, options: options(o.options),
  }));
}
