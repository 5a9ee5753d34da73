import { describe, expect, it } from 'vitest';
import { buildSlashCommands, canonicalCommands, invocationOf, type SlashSource } from '../../../adapters/discord/index.js';
import type { NativeArg } from '../../../core/command/index.js';

const arg = (name: string, type: NativeArg['type'] = 'str', required = true): NativeArg => ({ name, type, description: name, required, positional: false, greedy: false });
const command = (name: string, args: NativeArg[] = [], permission: SlashSource['permission'] = 'user'): SlashSource => ({ fullName: `p:${name}`, name, description: `${name} does things`, args, permission });

describe('slash commands from the registry', () => {
  it('nests a.b and a.b.c, and gives flat names where Discord cannot nest', () => {
    const set = buildSlashCommands([
      command('cfg.get', [arg('Key')]), command('cfg.tools.list'), command('deep.one.two.three'),
      command('stats'), command('stats.today'), command('Weird Name!'),
    ], []);
    expect(set.payload.map((c) => c.name)).toEqual(['cfg', 'deep_one_two_three', 'stats', 'stats_today', 'weird_name_']);
    const cfg = set.payload[0] as unknown as { options: { type: number; name: string; options?: { name: string }[] }[] };
    expect(cfg.options.map((o) => [o.type, o.name])).toEqual([[1, 'get'], [2, 'tools']]);
    expect(cfg.options[1]!.options!.map((o) => o.name)).toEqual(['list']);
    expect(invocationOf(set, { name: 'cfg', options: [{ name: 'get', type: 1, options: [{ name: 'key', type: 3, value: 'x' }] }] })).toEqual({ fullName: 'p:cfg.get', values: { Key: 'x' } });
    expect(invocationOf(set, { name: 'cfg', options: [{ name: 'tools', type: 2, options: [{ name: 'list', type: 1 }] }] })).toEqual({ fullName: 'p:cfg.tools.list', values: {} });
    expect(invocationOf(set, { name: 'stats_today' })).toEqual({ fullName: 'p:stats.today', values: {} });
    expect(invocationOf(set, { name: 'nope' })).toBeUndefined();
  });

  it('drops what Discord cannot take: a second command of the same name, more than 25 subcommands', () => {
    const subs = Array.from({ length: 27 }, (_, i) => command(`many.s${i}`));
    const set = buildSlashCommands([command('echo'), { ...command('echo'), fullName: 'q:echo' }, ...subs], []);
    expect(set.dropped).toEqual(['q:echo', 'p:many.s25', 'p:many.s26']);
    expect((set.payload.find((c) => c.name === 'many') as unknown as { options: unknown[] }).options).toHaveLength(25);
    expect(invocationOf(set, { name: 'many', options: [{ name: 's26', type: 1 }] })).toBeUndefined();
  });

  it('hides a parent by the least demanding permission of its subcommands', () => {
    const set = buildSlashCommands([command('admin.kick', [], 'advanced'), command('admin.stop', [], 'super_user'), command('root', [], 'super_user')], []);
    expect(set.payload.map((c) => [c.name, c.default_member_permissions])).toEqual([['admin', '32'], ['root', '0']]);
  });

  it('compares a payload with what Discord returns, whatever defaults Discord fills in', () => {
    const { payload } = buildSlashCommands([command('echo', [arg('text'), arg('n', 'int', false)])], [{ ...command('echo'), description: '说' }]);
    const stored = payload.map((c) => ({
      id: '1', application_id: '2', version: '3', type: 1, dm_permission: true, nsfw: false, contexts: null, name_localizations: null, ...c,
      default_member_permissions: null,
      options: (c.options as Record<string, unknown>[]).map(({ required, ...o }) => (required ? { ...o, required } : o)),
    }));
    expect(canonicalCommands(stored)).toBe(canonicalCommands(payload));
    expect(canonicalCommands([{ ...stored[0], description: 'changed' }])).not.toBe(canonicalCommands(payload));
  });
});
