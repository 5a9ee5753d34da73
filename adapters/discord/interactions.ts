import { Routes, type Client, type REST } from 'discord.js';
import type { AdapterHost } from '../../core/adapter/index.js';
import { createInboundMessage, type InboundMessage, type InboundMessageInput, type Segment } from '../../core/message/index.js';
import type { ButtonChoices } from './choices.js';
import type { CommandMenu } from './command-menu.js';
import type { DiscordCommandSource } from './command-source.js';
import { CALLBACK, EPHEMERAL, InteractionAnswer } from './interaction-answer.js';
import type { MessageBody } from './message-body.js';
import { notice } from './notices.js';
import { interactionRole } from './roles.js';
import { invocationOf } from './slash-commands.js';
import type { WireInteraction } from './wire.js';

/** Interaction types (Interaction Object → Interaction Type). */
const TYPE = { APPLICATION_COMMAND: 2, MESSAGE_COMPONENT: 3 } as const;

export interface InteractionDeps {
  client: Client;
  rest: REST;
  host: AdapterHost;
  botId: string;
  commands: DiscordCommandSource | undefined;
  menu: CommandMenu | undefined;
  choices: ButtonChoices;
  deferAfterMs: number;
  bodies(segments: Segment[]): Promise<MessageBody[]>;
  send(chatKey: string, segments: Segment[]): Promise<unknown>;
}

/**
 * Slash commands and presses of our buttons. A slash command runs the app's command for the invoker and
 * answers the interaction (see `InteractionAnswer`); a press is acknowledged (its buttons removed) and
 * arrives as the presser's message with the option's value as text, which is how a waiting command
 * receives it. Other interactions (other components, autocomplete, modals) reach plugins as `platform_event`.
 */
export async function handleInteraction(deps: InteractionDeps, i: WireInteraction, payload: unknown): Promise<void> {
  const { host } = deps;
  if (i.type === TYPE.APPLICATION_COMMAND && i.data?.type === 1) return runCommand(deps, i, payload);
  if (i.type === TYPE.MESSAGE_COMPONENT && deps.choices.isChoice(i.data?.custom_id)) return press(deps, i, payload);
  const chat = chatOf(i);
  await host.platformEvent({
    adapter: 'discord', botId: deps.botId, kind: `interaction.${i.type}`, chatKey: chat ? `discord-${chat.chatType}_${chat.chatId}` : undefined,
    userId: invoker(i)?.id, data: payload as Record<string, unknown>,
  });
}

async function runCommand(deps: InteractionDeps, i: WireInteraction, payload: unknown): Promise<void> {
  const { host } = deps;
  const message = asMessage(deps, i, [{ type: 'text', text: `/${i.data?.name ?? ''}` }], payload);
  const answer = new InteractionAnswer({
    rest: deps.rest, applicationId: i.application_id, id: i.id, token: i.token, deferAfterMs: deps.deferAfterMs,
    bodies: deps.bodies, done: notice('done', i.locale),
    fallback: (segments) => (message ? deps.send(message.chatKey, segments) : Promise.resolve()),
    onError: (what, err) => {
      host.metrics.count('discord_interaction_errors_total', {});
      host.log.error({ err, interactionId: i.id }, `Discord interaction ${what} failed`);
    },
  });
  answer.start();
  const invocation = deps.menu ? invocationOf(deps.menu.commands, i.data!) : undefined;
  host.metrics.count('discord_slash_commands_total', { outcome: invocation && deps.commands && message ? 'run' : 'unknown' });
  try {
    if (!invocation || !deps.commands || !message) await answer.reply('not_found', [{ type: 'text', text: notice('unknown_command', i.locale) }]);
    else for await (const r of deps.commands.run({ ...invocation, message })) await answer.reply(r.status, r.segments);
  } finally {
    await answer.finish();
  }
}

async function press(deps: InteractionDeps, i: WireInteraction, payload: unknown): Promise<void> {
  const { host, rest } = deps;
  const user = invoker(i);
  const choice = deps.choices.press(i.data!.custom_id!, user?.id ?? '', i.message?.id);
  host.metrics.count('discord_choices_total', { status: choice.status });
  const respond = (body: Record<string, unknown>) =>
    rest.post(Routes.interactionCallback(i.id, i.token), { body, auth: false }).catch((err: unknown) => {
      host.metrics.count('discord_interaction_errors_total', {});
      host.log.error({ err, interactionId: i.id }, 'Discord button press could not be acknowledged');
    });
  if (choice.status !== 'chosen') {
    return void (await respond({ type: CALLBACK.CHANNEL_MESSAGE, data: { content: notice(choice.status, i.locale), flags: EPHEMERAL, allowed_mentions: { parse: [] } } }));
  }
  // The buttons go once answered: nobody presses them again, whichever gateway the press would reach.
  await respond({ type: CALLBACK.UPDATE_MESSAGE, data: { components: [] } });
  const message = asMessage(deps, i, [{ type: 'text', text: choice.value }], payload);
  if (message) await host.ingest(message);
}

/** The invoker of an interaction: the member's user in a guild, the user in a DM. */
function invoker(i: WireInteraction): { id: string; username: string; global_name?: string | null | undefined } | undefined {
  return i.member?.user ?? i.user;
}

function chatOf(i: WireInteraction): { chatType: 'private' | 'group'; chatId: string } | undefined {
  const user = invoker(i);
  if (i.guild_id === undefined) return user ? { chatType: 'private', chatId: user.id } : undefined;
  const channelId = i.channel_id ?? i.channel?.id;
  return channelId ? { chatType: 'group', chatId: channelId } : undefined;
}

/** The interaction as a message of its invoker in its chat: what a command's caller and a wait's answer are made of. */
function asMessage(deps: InteractionDeps, i: WireInteraction, segments: Segment[], payload: unknown): InboundMessage | undefined {
  const user = invoker(i);
  const chat = chatOf(i);
  if (!user || !chat) return undefined;
  const input: InboundMessageInput = {
    adapter: 'discord', botId: deps.botId, ...chat, userId: user.id, userName: i.member?.nick || user.global_name || user.username,
    segments, toMe: true, messageId: `interaction:${i.id}`, raw: payload,
  };
  if (i.guild_id !== undefined && i.member) input.senderRole = interactionRole(deps.client, i.guild_id, user.id, i.member.permissions);
  if (i.locale) input.language = i.locale;
  return createInboundMessage(input);
}
