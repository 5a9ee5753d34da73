import { randomBytes } from 'node:crypto';
import type { ButtonsSegment } from '../../core/message/index.js';

/** Our buttons' custom_id starts with this; other component presses belong to plugins (`platform_event`). */
export const CHOICE_PREFIX = 'nk:';
/** Discord's limits: custom_id length, label length, buttons per row, rows per message. */
const MAX_CUSTOM_ID = 100;
const MAX_LABEL = 80;
const ROW_BUTTONS = 5;
const MAX_ROWS = 5;

export type ChoicePress = { status: 'chosen'; value: string } | { status: 'expired' } | { status: 'not_yours' };

/**
 * The choices behind the buttons the adapter sends. A button carries its value in its custom_id when it fits
 * (`nk:v:<user>:<value>`, 100 characters), so any gateway process can take the press; a longer value stays
 * in this process under a token (`nk:t:<token>:<index>`), forgotten past `max` and on restart, and a press
 * on it is told the choice expired. A message's buttons answer once: a wait takes one answer.
 */
export class ButtonChoices {
  private readonly tokens = new Map<string, { values: string[]; userId: string | undefined }>();
  private readonly answered = new Set<string>();

  constructor(private readonly max = 2000) {}

  /**
   * Action rows of buttons for a buttons segment, or undefined when Discord cannot show them all (more than
   * 25): the caller then shows the choices as text.
   */
  components(s: ButtonsSegment): unknown[] | undefined {
    if (s.buttons.length > ROW_BUTTONS * MAX_ROWS) return undefined;
    const user = s.userId ?? '';
    let ids = s.buttons.map((b) => `${CHOICE_PREFIX}v:${user}:${b.value}`);
    // custom_ids must be unique within a message, and fit.
    if (new Set(ids).size !== ids.length || ids.some((id) => id.length > MAX_CUSTOM_ID)) {
      const token = randomBytes(6).toString('base64url');
      remember(this.tokens, token, { values: s.buttons.map((b) => b.value), userId: s.userId }, this.max);
      ids = s.buttons.map((_, i) => `${CHOICE_PREFIX}t:${token}:${i}`);
    }
    const buttons = s.buttons.map((b, i) => ({ type: 2, style: 2, label: b.label.slice(0, MAX_LABEL), custom_id: ids[i]! }));
    const rows: unknown[] = [];
    for (let i = 0; i < buttons.length; i += ROW_BUTTONS) rows.push({ type: 1, components: buttons.slice(i, i + ROW_BUTTONS) });
    return rows;
  }

  isChoice(customId: string | undefined): customId is string {
    return customId !== undefined && customId.startsWith(CHOICE_PREFIX);
  }

  /** A press of `customId` by `presser` on message `messageId`: the value, when it is theirs and still open. */
  press(customId: string, presser: string, messageId: string | undefined): ChoicePress {
    const parsed = this.read(customId);
    if (!parsed) return { status: 'expired' };
    if (parsed.userId && parsed.userId !== presser) return { status: 'not_yours' };
    if (messageId !== undefined) {
      if (this.answered.has(messageId)) return { status: 'expired' };
      rememberKey(this.answered, messageId, this.max);
    }
    if (parsed.token !== undefined) this.tokens.delete(parsed.token);
    return { status: 'chosen', value: parsed.value };
  }

  private read(customId: string): { value: string; userId?: string; token?: string } | undefined {
    const inline = /^nk:v:(\d*):([\s\S]*)$/.exec(customId);
    if (inline) return { value: inline[2]!, ...(inline[1] ? { userId: inline[1] } : {}) };
    const tokened = /^nk:t:([\w-]+):(\d+)$/.exec(customId);
    const entry = tokened ? this.tokens.get(tokened[1]!) : undefined;
    const value = entry?.values[Number(tokened?.[2])];
    if (!entry || value === undefined) return undefined;
    return { value, token: tokened![1]!, ...(entry.userId ? { userId: entry.userId } : {}) };
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
