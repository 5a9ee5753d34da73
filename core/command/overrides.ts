import type { ControlPlane } from '../control/index.js';
import type { Disposer } from '../hooks/index.js';
import type { KVStore } from '../store/index.js';
import { isCommandPermission, type CommandPermission } from './permission.js';

const PLUGIN_KEY = '__commands__';
/** Where a setting applies: one chat, or everywhere (`*`). */
export type OverrideScope = string;
export const GLOBAL: OverrideScope = '*';

/**
 * Per-chat and global overrides of a command's permission and enabled state, persisted in the KV store and
 * kept in memory (they are read on every command). Lookups go chat, then global, then the declared value.
 * A change is told to every process through the control plane, and each reads them all again.
 */
export class CommandOverrides {
  private permission = new Map<string, CommandPermission>();
  private enabled = new Map<string, boolean>();
  private readonly unsubscribe: Disposer[];

  constructor(
    private readonly kv: KVStore,
    private readonly control: ControlPlane,
    /** Called after every change, so that native command menus are re-published. */
    private readonly onChange: () => void = () => {},
  ) {
    const reload = async (): Promise<void> => {
      if (await this.load()) this.onChange();
    };
    this.unsubscribe = [control.on('command-overrides', reload), control.on('resync', reload)];
  }

  /** Reads every override from the store, replacing what this process held; resolves whether anything changed. */
  async load(): Promise<boolean> {
    const permission = new Map<string, CommandPermission>();
    const enabled = new Map<string, boolean>();
    for (const e of await this.kv.list({ pluginKey: PLUGIN_KEY })) {
      const [kind, scope, ...rest] = e.key.split('|');
      const id = `${scope}|${rest.join('|')}`;
      if (kind === 'perm' && isCommandPermission(e.value)) permission.set(id, e.value);
      if (kind === 'enabled') enabled.set(id, e.value === '1');
    }
    const changed = !sameEntries(permission, this.permission) || !sameEntries(enabled, this.enabled);
    this.permission = permission;
    this.enabled = enabled;
    return changed;
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  effectivePermission(fullName: string, chatKey: string, declared: CommandPermission): CommandPermission {
    if (this.permission.size === 0) return declared;
    return this.permission.get(`${chatKey}|${fullName}`) ?? this.permission.get(`${GLOBAL}|${fullName}`) ?? declared;
  }

  isEnabled(fullName: string, chatKey: string): boolean {
    if (this.enabled.size === 0) return true;
    return this.enabled.get(`${chatKey}|${fullName}`) ?? this.enabled.get(`${GLOBAL}|${fullName}`) ?? true;
  }

  /**
   * Sets a permission override; `undefined` removes it. Setting a chat's override to what it would inherit
   * anyway removes it instead (Nekro §1.4.3), so later global changes still reach that chat.
   */
  async setPermission(fullName: string, scope: OverrideScope, level: CommandPermission | undefined, declared: CommandPermission): Promise<void> {
    const id = `${scope}|${fullName}`;
    const inherited = scope === GLOBAL ? declared : (this.permission.get(`${GLOBAL}|${fullName}`) ?? declared);
    const key = { pluginKey: PLUGIN_KEY, key: `perm|${id}` };
    if (level === undefined || level === inherited) {
      this.permission.delete(id);
      await this.kv.delete(key);
    } else {
      this.permission.set(id, level);
      await this.kv.set(key, level);
    }
    this.onChange();
    await this.control.publish({ kind: 'command-overrides' });
  }

  /**
   * The chats whose own override of the command differs from `value`: after a global change to `value`,
   * they still do otherwise (a lock-down that does not reach them must be said).
   */
  chatsDiffering(kind: 'permission' | 'enabled', fullName: string, value: CommandPermission | boolean): string[] {
    const suffix = `|${fullName}`;
    const map: ReadonlyMap<string, CommandPermission | boolean> = kind === 'permission' ? this.permission : this.enabled;
    const chats: string[] = [];
    for (const [id, own] of map) {
      if (!id.endsWith(suffix) || own === value) continue;
      const scope = id.slice(0, -suffix.length);
      if (scope !== GLOBAL) chats.push(scope);
    }
    return chats.sort();
  }

  /** The overrides of one command, by scope (`*` for global): what the admin API shows. */
  of(fullName: string): { permission: Record<OverrideScope, CommandPermission>; enabled: Record<OverrideScope, boolean> } {
    const suffix = `|${fullName}`;
    const pick = <V>(map: ReadonlyMap<string, V>): Record<string, V> =>
      Object.fromEntries([...map].filter(([id]) => id.endsWith(suffix)).map(([id, v]) => [id.slice(0, -suffix.length), v]));
    return { permission: pick(this.permission), enabled: pick(this.enabled) };
  }

  /** Sets the enabled state explicitly (kept even when equal to the inherited one, as in Nekro). */
  async setEnabled(fullName: string, scope: OverrideScope, enabled: boolean): Promise<void> {
    this.enabled.set(`${scope}|${fullName}`, enabled);
    await this.kv.set({ pluginKey: PLUGIN_KEY, key: `enabled|${scope}|${fullName}` }, enabled ? '1' : '0');
    this.onChange();
    await this.control.publish({ kind: 'command-overrides' });
  }
}

function sameEntries<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
