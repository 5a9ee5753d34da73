import { PermissionFlagsBits, type Client } from 'discord.js';
import { isThreadType } from './inbound.js';

/** What a send needs besides seeing the channel and writing in it. */
export interface SendNeeds {
  files: boolean;
  embeds: boolean;
  reply: boolean;
}

/**
 * The permissions the bot lacks to send this to a channel, by Discord's names ("Send Messages"), computed from
 * discord.js's cache (the bot's roles, the channel's overwrites): Discord's 50013 says only "Missing
 * Permissions". Undefined when the cache cannot tell (a channel or member not cached).
 */
export function missingPermissions(client: Client, channelId: string, needs: SendNeeds): string[] | undefined {
  const channel = client.channels.cache.get(channelId);
  if (!channel || channel.isDMBased() || !client.user) return undefined;
  const held = channel.permissionsFor(client.user.id);
  if (!held) return undefined;
  const wanted: (keyof typeof PermissionFlagsBits)[] = ['ViewChannel', isThreadType(channel.type) ? 'SendMessagesInThreads' : 'SendMessages'];
  if (needs.files) wanted.push('AttachFiles');
  if (needs.embeds) wanted.push('EmbedLinks');
  if (needs.reply) wanted.push('ReadMessageHistory');
  return wanted.filter((p) => !held.has(PermissionFlagsBits[p])).map(spaced);
}

/** `SendMessages` → `Send Messages`, as Discord's settings show it. */
function spaced(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2');
}
