import { ValidationError } from '../../core/errors/index.js';
import type { OneBotMessage, OneBotSegment } from './types.js';

/**
 * The CQ-code string form of a OneBot v11 message and its conversion to and from the array form
 * (reference onebot11.md §3.1, §3.2). We always send arrays; this codec exists for string-format events,
 * `raw_message`, and forward-node contents that arrive as strings.
 *
 * @example
 * parseCQ('&#91;hi&#93;[CQ:face,id=123]');
 * // [{ type: 'text', data: { text: '[hi]' } }, { type: 'face', data: { id: '123' } }]
 * formatCQ([{ type: 'share', data: { title: 'a,b', url: 'http://x/?a=1&b=2' } }]);
 * // '[CQ:share,title=a&#44;b,url=http://x/?a=1&amp;b=2]'
 */

/**
 * Types and keys are what NoneBot accepts, `[A-Za-z0-9_.-]`, a superset of NapCat's and Koishi's `\w+`.
 * Spaces are not allowed (§3.2: `[CQ:face, id=178]` is invalid), and a parameter needs its `=`.
 * A value runs to the next `,` or `]`; it may contain `=` and raw newlines. A `[` inside a code is never
 * produced by escaping, so it ends the attempt and `[CQ:a[CQ:b]` yields the text `[CQ:a` and then a code.
 * NoneBot tolerates a trailing `,` before `]`, and so do we.
 */
const NAME = /^[\w.-]+$/;
const CQ_CODE = /\[CQ:([\w.-]+)((?:,[\w.-]+=[^,[\]]*)*),?\]/y;
const CQ_OPEN = '[CQ:';

/**
 * Escapes plain text for the string form: `&` → `&amp;` (first), `[` → `&#91;`, `]` → `&#93;`. Commas stay:
 * Lagrange does not decode `&#44;` in text, so an escaped comma would be shown as written (§3.2).
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/\[/g, '&#91;').replace(/]/g, '&#93;');
}

/** Escapes a CQ parameter value: what {@link escapeText} does, plus `,` → `&#44;`. */
export function escapeParam(value: string): string {
  return escapeText(value).replace(/,/g, '&#44;');
}

/**
 * Undoes {@link escapeText}. `&#44;` is decoded in text as well, as the spec's and NapCat's decoders do.
 * `&amp;` is decoded last, so `&amp;#91;` becomes the literal `&#91;` and not `[`.
 */
export function unescapeText(text: string): string {
  return text.replace(/&#91;/g, '[').replace(/&#93;/g, ']').replace(/&#44;/g, ',').replace(/&amp;/g, '&');
}

/** Undoes {@link escapeParam}; `&amp;` is decoded last (see {@link unescapeText}). */
export function unescapeParam(value: string): string {
  return unescapeText(value);
}

/**
 * Parses the string form into segments. Text between codes becomes `text` segments (unescaped, never
 * empty); each `[CQ:type,key=value,…]` becomes `{ type, data }` with unescaped string values (a repeated
 * key keeps its last value). Anything that does not form a complete code, such as an unterminated `[CQ:`,
 * a missing type, or a parameter without `=`, stays in the text as written. It never throws.
 */
export function parseCQ(text: string): OneBotSegment[] {
  const out: OneBotSegment[] = [];
  let textStart = 0;
  let candidate = text.indexOf(CQ_OPEN);
  while (candidate !== -1) {
    CQ_CODE.lastIndex = candidate;
    const match = CQ_CODE.exec(text);
    if (match) {
      pushText(out, text.slice(textStart, candidate));
      out.push({ type: match[1]!, data: parseParams(match[2]!) });
      textStart = CQ_CODE.lastIndex;
      candidate = text.indexOf(CQ_OPEN, textStart);
    } else {
      candidate = text.indexOf(CQ_OPEN, candidate + 1);
    }
  }
  pushText(out, text.slice(textStart));
  return out;
}

function pushText(out: OneBotSegment[], raw: string): void {
  if (raw !== '') out.push({ type: 'text', data: { text: unescapeText(raw) } });
}

/** `,k=v,k2=v2` → `{ k: 'v', k2: 'v2' }`; the key ends at the first `=` (§3.2). */
function parseParams(params: string): Record<string, unknown> {
  const entries: [string, string][] = [];
  for (const param of params.split(',')) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    entries.push([param.slice(0, eq), unescapeParam(param.slice(eq + 1))]);
  }
  // fromEntries defines own properties, so a key named `__proto__` stays data.
  return Object.fromEntries(entries);
}

/**
 * Formats segments as a CQ string with exact escaping. `null`/`undefined` values are left out; numbers and
 * booleans are written with `String`; a value that is itself a message (a `node`'s `content`) is written
 * as its CQ string, then escaped (§3.3); other objects as JSON, as NapCat does.
 * Throws `ValidationError` for a type or key that a CQ code cannot carry (see the grammar above).
 */
export function formatCQ(segments: OneBotSegment[]): string {
  let out = '';
  for (const s of segments) out += formatSegment(s);
  return out;
}

function formatSegment(s: OneBotSegment): string {
  const data = s.data ?? {};
  if (s.type === 'text') return escapeText(valueToString(data.text) ?? '');
  if (!NAME.test(s.type)) throw cannotEncode(s.type, `type "${s.type}"`);
  let out = `${CQ_OPEN}${s.type}`;
  for (const [key, value] of Object.entries(data)) {
    const text = valueToString(value);
    if (text === undefined) continue;
    if (!NAME.test(key)) throw cannotEncode(s.type, `key "${key}"`);
    out += `,${key}=${escapeParam(text)}`;
  }
  return `${out}]`;
}

function valueToString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return isMessageArray(value) ? formatCQ(value) : JSON.stringify(value);
  return String(value);
}

function isMessageArray(value: object): value is OneBotSegment[] {
  return Array.isArray(value) && value.every(isSegmentShaped);
}

function isSegmentShaped(value: unknown): value is OneBotSegment {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function cannotEncode(type: string, what: string): ValidationError {
  return new ValidationError(`OneBot segment "${type}"`, [
    `its ${what} cannot be written as a CQ code: use only letters, digits, "_", "." and "-", or send the array form`,
  ]);
}

/**
 * Normalizes any form a `message` can take into the array form: a CQ string is parsed, an array or a single
 * segment (§2.4) is copied with `data: null` read as `{}` (§3.1). Values in the array form are never
 * unescaped: they are real values (§3.1).
 */
export function toSegments(message: OneBotMessage | OneBotSegment): OneBotSegment[] {
  if (typeof message === 'string') return parseCQ(message);
  const list = Array.isArray(message) ? message : [message];
  return list.map((s) => ({ type: s.type, data: s.data ?? {} }));
}
