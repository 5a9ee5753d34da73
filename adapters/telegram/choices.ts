import { randomBytes } from 'node:crypto';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { ButtonsSegment, ChatKey } from '../../core/message/index.js';

/** Our buttons' callback_data starts with this; other callback queries belong to plugins (`platform_event`). */
export const CHOICE_PREFIX = 'nk:';
/** Telegram's limit on callback_data, in bytes. */
const MAX_DATA_BYTES = 64;

/** What pressing one of our buttons comes to. */
export type ChoicePress =
  | { status: 'chosen'; chatKey: ChatKey; value: string }
  | { status: 'expired' }
  | { status: 'not_yours' };

/** Where a button was pressed: the chat and message the keyboard is on, when Telegram says. */
export interface PressedOn {
  chatKey?: ChatKey;
  /** `<chat id>:<message id>` of the message carrying the keyboard. */
  messageKey?: string;
}

interface Keyboard {
  chatKey: ChatKey;
  values: string[];
  userId: string | undefined;
}

// Short labels sit side by side, long ones get a row each (Telegram cuts a label that does not fit).
const ROW_LABEL_CHARS = 12;
const ROW_BUTTONS = 3;

/**
 * The choices behind the inline keyboards the adapter sends. A button whose value fits in callback_data
 * (64 bytes) carries it: `nk:v:<user>:<value>`, so any gateway behind a webhook can take the press. A longer
 * value stays in this process under a short token, `nk:t:<token>:<index>`; those are forgotten past `max`
 * and on restart, and a press on them is told the choice expired. A keyboard answers once: a wait takes one
 * answer (the adapter also removes the keyboard, so other processes see it gone).
 */
export class ButtonChoices {
  private readonly keyboards = new Map<string, Keyboard>();
  private readonly answered = new Set<string>();

  constructor(private readonly max = 2000) {}

  /** The inline keyboard for a buttons segment sent to `chatKey`. */
  keyboard(chatKey: ChatKey, s: ButtonsSegment): InlineKeyboardMarkup {
    const user = s.userId ?? '';
    const inline = s.buttons.map((b) => `${CHOICE_PREFIX}v:${user}:${b.value}`);
    let data = inline;
    if (inline.some((d) => Buffer.byteLength(d) > MAX_DATA_BYTES)) {
      const token = randomBytes(6).toString('base64url');
      remember(this.keyboards, token, { chatKey, values: s.buttons.map((b) => b.value), userId: s.userId }, this.max);
      data = s.buttons.map((_, i) => `${CHOICE_PREFIX}t:${token}:${i}`);
    }
    const buttons: InlineKeyboardButton[] = s.buttons.map((b, i) => ({ text: b.label, callback_data: data[i]! }));
    const short = s.buttons.every((b) => [...b.label].length <= ROW_LABEL_CHARS);
    const perRow = short ? ROW_BUTTONS : 1;
    const rows: InlineKeyboardButton[][] = [];
    for (let i = 0; i < buttons.length; i += perRow) rows.push(buttons.slice(i, i + perRow));
    return { inline_keyboard: rows };
  }

  isChoice(data: string | undefined): data is string {
    return data !== undefined && data.startsWith(CHOICE_PREFIX);
  }

  /** A press of `data` by `presser`: the value, when the keyboard is known, unanswered and theirs to answer. */
  press(data: string, presser: string, on: PressedOn): ChoicePress {
    const parsed = this.read(data, on);
    if (!parsed) return { status: 'expired' };
    if (parsed.userId && parsed.userId !== presser) return { status: 'not_yours' };
    if (on.messageKey !== undefined) {
      if (this.answered.has(on.messageKey)) return { status: 'expired' };
      rememberKey(this.answered, on.messageKey, this.max);
    }
    if (parsed.token !== undefined) this.keyboards.delete(parsed.token);
    return { status: 'chosen', chatKey: parsed.chatKey, value: parsed.value };
  }

  private read(data: string, on: PressedOn): { chatKey: ChatKey; value: string; userId?: string; token?: string } | undefined {
    const inline = /^nk:v:([^:]*):([\s\S]*)$/.exec(data);
    if (inline) return on.chatKey === undefined ? undefined : { chatKey: on.chatKey, value: inline[2]!, ...(inline[1] ? { userId: inline[1] } : {}) };
    const tokened = /^nk:t:([\w-]+):(\d+)$/.exec(data);
    const keyboard = tokened ? this.keyboards.get(tokened[1]!) : undefined;
    const value = keyboard?.values[Number(tokened?.[2])];
    if (!keyboard || value === undefined) return undefined;
    return { chatKey: on.chatKey ?? keyboard.chatKey, value, token: tokened![1]!, ...(keyboard.userId ? { userId: keyboard.userId } : {}) };
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

function rememberKey(set: Set<string>, key: string, max: number): void {
  set.add(key);
  if (set.size > max) set.delete(set.values().next().value!);
}

const NOTICES = {
  expired: { en: 'This choice has expired.', zh: '该选项已失效。' },
  not_yours: { en: 'These buttons are for someone else.', zh: '这些按钮不是给你的。' },
} as const;

/** The short notice a refused press is answered with, in the presser's language. */
export function choiceNotice(status: 'expired' | 'not_yours', languageCode: string | undefined): string {
  return NOTICES[status][languageCode?.toLowerCase().startsWith('zh') ? 'zh' : 'en'];
}
