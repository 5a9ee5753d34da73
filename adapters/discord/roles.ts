import { PermissionFlagsBits, type Client } from 'discord.js';

export type SenderRole = 'owner' | 'admin' | 'member';

/** Permissions that make a member a guild admin for commands (ADVANCED): Administrator or Manage Server. */
const ADMIN_BITS = PermissionFlagsBits.Administrator | PermissionFlagsBits.ManageGuild;

/**
 * A guild member's role for commands, from discord.js's guild cache (owner id, role permissions) and the
 * role ids the message carries: the owner, an admin (Administrator or Manage Server through any role), or a
 * member. Unknown when the guild is not cached.
 */
export function memberRole(client: Client, guildId: string, userId: string, roleIds: readonly string[]): SenderRole | undefined {
  const guild = client.guilds.cache.get(guildId);
  if (!guild) return undefined;
  if (guild.ownerId === userId) return 'owner';
  // @everyone's role id is the guild's own.
  let bits = guild.roles.cache.get(guildId)?.permissions.bitfield ?? 0n;
  for (const id of roleIds) bits |= guild.roles.cache.get(id)?.permissions.bitfield ?? 0n;
  return (bits & ADMIN_BITS) !== 0n ? 'admin' : 'member';
}

/** The role of an interaction's invoker, from the permissions Discord computed for them (`member.permissions`). */
export function interactionRole(client: Client, guildId: string, userId: string, permissions: string): SenderRole {
  if (client.guilds.cache.get(guildId)?.ownerId === userId) return 'owner';
  return (BigInt(permissions) & ADMIN_BITS) !== 0n ? 'admin' : 'member';
}
