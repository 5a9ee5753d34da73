import { z } from 'zod';

/**
 * The gateway dispatches the adapter reads, checked at the edge (Discord API v10 field names). Only the
 * fields the adapter uses are declared; the payload itself is kept unchanged as `raw`.
 */

const snowflake = z.string().regex(/^\d{1,20}$/, 'a snowflake');

export const wireUser = z.object({
  id: snowflake,
  username: z.string(),
  global_name: z.string().nullish(),
  bot: z.boolean().optional(),
});

const mentionedUser = wireUser.extend({ member: z.object({ nick: z.string().nullish() }).optional() });

export const wireAttachment = z.object({
  id: snowflake,
  filename: z.string(),
  size: z.number().int().nonnegative(),
  url: z.string(),
  content_type: z.string().optional(),
  duration_secs: z.number().optional(),
});
export type WireAttachment = z.infer<typeof wireAttachment>;

/** The message a reply quotes (`referenced_message`): null when it was deleted. */
const quotedMessage = z.object({ id: snowflake, author: wireUser, content: z.string() });

export const wireMessage = z.object({
  id: snowflake,
  channel_id: snowflake,
  guild_id: snowflake.optional(),
  /** Sent on MESSAGE_CREATE since 2024: tells DMs (1) and threads (10, 11, 12) without a channel lookup. */
  channel_type: z.number().int().optional(),
  author: wireUser,
  member: z.object({ roles: z.array(snowflake), nick: z.string().nullish() }).optional(),
  content: z.string(),
  timestamp: z.string(),
  type: z.number().int(),
  mentions: z.array(mentionedUser).default([]),
  attachments: z.array(wireAttachment).default([]),
  sticker_items: z.array(z.object({ id: snowflake, name: z.string() })).optional(),
  message_reference: z.object({ type: z.number().int().optional(), message_id: snowflake.optional() }).optional(),
  referenced_message: quotedMessage.nullish(),
  webhook_id: snowflake.optional(),
});
export type WireMessage = z.infer<typeof wireMessage>;

const wireOption: z.ZodType<WireOption> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.number().int(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    options: z.array(wireOption).optional(),
  }),
);
export interface WireOption {
  name: string;
  type: number;
  value?: string | number | boolean | undefined;
  options?: WireOption[] | undefined;
}

const interactionMember = z.object({ user: wireUser, roles: z.array(snowflake), permissions: z.string().regex(/^\d+$/), nick: z.string().nullish() });

export const wireInteraction = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  channel: z.object({ id: snowflake, type: z.number().int(), parent_id: snowflake.nullish() }).optional(),
  member: interactionMember.optional(),
  user: wireUser.optional(),
  locale: z.string().optional(),
  data: z
    .object({
      name: z.string().optional(),
      type: z.number().int().optional(),
      options: z.array(wireOption).optional(),
      custom_id: z.string().optional(),
    })
    .optional(),
  message: z.object({ id: snowflake }).optional(),
});
export type WireInteraction = z.infer<typeof wireInteraction>;

/** Dispatches that only become platform events: what each must carry to be told apart. */
export const wireEventShapes = {
  MESSAGE_UPDATE: z.object({ id: snowflake, channel_id: snowflake, guild_id: snowflake.optional(), author: wireUser.optional() }),
  MESSAGE_DELETE: z.object({ id: snowflake, channel_id: snowflake, guild_id: snowflake.optional() }),
  MESSAGE_DELETE_BULK: z.object({ ids: z.array(snowflake), channel_id: snowflake, guild_id: snowflake.optional() }),
  MESSAGE_REACTION_ADD: z.object({ user_id: snowflake, channel_id: snowflake, message_id: snowflake, guild_id: snowflake.optional() }),
  MESSAGE_REACTION_REMOVE: z.object({ user_id: snowflake, channel_id: snowflake, message_id: snowflake, guild_id: snowflake.optional() }),
  GUILD_MEMBER_ADD: z.object({ guild_id: snowflake, user: wireUser }),
  GUILD_MEMBER_REMOVE: z.object({ guild_id: snowflake, user: wireUser }),
  THREAD_CREATE: z.object({ id: snowflake, guild_id: snowflake.optional(), parent_id: snowflake.nullish(), type: z.number().int() }),
} as const;
export type EventDispatch = keyof typeof wireEventShapes;

/**
 * The least a dispatch must hold for discord.js's own handlers not to throw on it (they read these without
 * checking); a dispatch that fails is counted and never reaches discord.js.
 */
export const libraryShapes: Partial<Record<string, z.ZodType>> = {
  GUILD_CREATE: z.object({ id: snowflake }),
  GUILD_UPDATE: z.object({ id: snowflake }),
  GUILD_DELETE: z.object({ id: snowflake }),
  CHANNEL_CREATE: z.object({ id: snowflake, type: z.number().int() }),
  CHANNEL_UPDATE: z.object({ id: snowflake, type: z.number().int() }),
  CHANNEL_DELETE: z.object({ id: snowflake, type: z.number().int() }),
  THREAD_UPDATE: z.object({ id: snowflake, type: z.number().int() }),
  THREAD_DELETE: z.object({ id: snowflake }),
  GUILD_MEMBER_UPDATE: z.object({ guild_id: snowflake, user: wireUser }),
  GUILD_ROLE_CREATE: z.object({ guild_id: snowflake, role: z.object({ id: snowflake }) }),
  GUILD_ROLE_UPDATE: z.object({ guild_id: snowflake, role: z.object({ id: snowflake }) }),
  GUILD_ROLE_DELETE: z.object({ guild_id: snowflake, role_id: snowflake }),
  MESSAGE_CREATE: wireMessage,
  INTERACTION_CREATE: wireInteraction,
  ...wireEventShapes,
};
