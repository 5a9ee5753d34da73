import { buttonsLine, type ButtonsSegment } from '../../core/message/index.js';
import { readMedia, type UploadFile } from './media.js';
import type { Plan, PlannedMessage } from './send-plan.js';

/** A REST message body (channel message, interaction answer or follow-up) and the files it uploads. */
export interface MessageBody {
  body: Record<string, unknown>;
  files: UploadFile[];
}

export interface BodyOptions {
  /** Most bytes one message may upload. */
  uploadLimit: number;
  /** Discord components (action rows of buttons) for a buttons segment; undefined: show them as a text line. */
  components(buttons: ButtonsSegment): unknown[] | undefined;
}

/** Discord: `allowed_mentions.users` lists at most 100 ids. */
const MAX_MENTIONED_USERS = 100;

/**
 * The plan's messages as REST bodies. Every body carries `allowed_mentions`: only the users named by `at`
 * segments may be pinged, `@everyone`/`@here` only for an `at` of everybody, roles never, and a reply does
 * not ping its author. Text written by users or the model cannot ping anyone it does not name that way.
 * Every media file is read (and its size checked) before the first body is returned, so a file that is too
 * large fails the send before anything of it reaches the chat.
 */
export async function messageBodies(plan: Plan, options: BodyOptions): Promise<MessageBody[]> {
  const allowedMentions = {
    parse: plan.everyone ? ['everyone'] : [],
    users: plan.users.slice(0, MAX_MENTIONED_USERS),
    replied_user: false,
  };
  const read = await Promise.all(plan.messages.map((m) => Promise.all(m.media.map((s) => readMedia(s, options.uploadLimit)))));
  const out: MessageBody[] = [];
  plan.messages.forEach((m, i) => {
    for (const [k, files] of byTotalSize(read[i]!, options.uploadLimit).entries()) {
      // What the message says goes with its first batch of files; further batches are files alone.
      out.push(bodyOf(k === 0 ? m : { content: '', media: [], embeds: [], stickerIds: [] }, files, allowedMentions, options));
    }
  });
  return out;
}

function bodyOf(m: PlannedMessage, files: UploadFile[], allowedMentions: object, options: BodyOptions): MessageBody {
  const body: Record<string, unknown> = { allowed_mentions: allowedMentions };
  let content = m.content;
  if (m.buttons) {
    const components = options.components(m.buttons);
    if (components) body.components = components;
    else content = content ? `${content}\n${buttonsLine(m.buttons)}` : buttonsLine(m.buttons);
  }
  if (content) body.content = content;
  if (m.replyTo !== undefined) body.message_reference = { message_id: m.replyTo, fail_if_not_exists: false };
  if (m.embeds.length > 0) body.embeds = m.embeds;
  if (m.stickerIds.length > 0) body.sticker_ids = m.stickerIds;
  if (files.length > 0) body.attachments = files.map((f, id) => ({ id, filename: f.name }));
  return { body, files };
}

/** Files in order, grouped so that no group uploads more than `limit` bytes (each file alone fits: checked). */
function byTotalSize(files: UploadFile[], limit: number): UploadFile[][] {
  const groups: UploadFile[][] = [[]];
  let total = 0;
  for (const f of files) {
    if (total + f.data.length > limit && groups.at(-1)!.length > 0) {
      groups.push([]);
      total = 0;
    }
    groups.at(-1)!.push(f);
    total += f.data.length;
  }
  return groups;
}
