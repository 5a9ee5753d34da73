import { NekomataError } from '../errors/index.js';

/** Language of argument error messages (Nekro's `SupportedLang`). */
export type ArgumentLang = 'zh_CN' | 'en_US';

/**
 * A command's arguments could not be parsed: one is missing, unknown, or not of its declared type, range
 * or choices. The command runtime answers it with status `INVALID_ARGS` (reference §1.4.4).
 *
 * @example
 * try { parseArgs({ days: Arg.int('天数', { range: [1, 7] }) }, 'days:9') }
 * catch (e) { if (e instanceof ArgumentError) e.argument === 'days' && e.expected === 'between 1 and 7' }
 */
export class ArgumentError extends NekomataError {
  /** The parameter the error is about (several names, comma-separated, for unknown arguments). */
  readonly argument?: string;
  /** What would have been accepted, e.g. `an integer`, `between 1 and 7`, `one of [c, f]`. */
  readonly expected?: string;

  constructor(message: string, details: { argument?: string; expected?: string } = {}) {
    super('INVALID_ARGS', message);
    this.argument = details.argument;
    this.expected = details.expected;
  }
}

/**
 * How a rejected value is shown in a message: text in double quotes, verbatim; any other JSON value as JSON.
 * Numbers after conversion (range errors) are shown bare.
 */
export function shownValue(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

const SHOWN_WORDS = 3;

/** `"a", "b", "c", … (5 in all)`: a pasted paragraph does not make a paragraph-long error. */
function shownWords(words: readonly string[]): string {
  const shown = words.slice(0, SHOWN_WORDS).map(shownValue).join(', ');
  return words.length > SHOWN_WORDS ? `${shown}, … (${words.length})` : shown;
}

const BOOL_WORDS = '(true, 1, yes, on / false, 0, no, off)';

interface Texts {
  missing(name: string, description: string): string;
  notInteger(name: string, got: string): string;
  notNumber(name: string, got: string): string;
  notBoolean(name: string, got: string): string;
  notString(name: string, got: string): string;
  outOfRange(name: string, min: number, max: number, got: number): string;
  notChoice(name: string, choices: string, got: string): string;
  unknown(names: string, known: string): string;
  surplus(words: string, positionals: string): string;
  notObject(got: string): string;
}

const TEXTS: Record<ArgumentLang, Texts> = {
  en_US: {
    missing: (name, description) => `Missing required argument: ${name}${description ? ` (${description})` : ''}`,
    notInteger: (name, got) => `Argument ${name} requires an integer, got ${got}`,
    notNumber: (name, got) => `Argument ${name} requires a number, got ${got}`,
    notBoolean: (name, got) => `Argument ${name} requires true/false ${BOOL_WORDS}, got ${got}`,
    notString: (name, got) => `Argument ${name} requires a string, got ${got}`,
    outOfRange: (name, min, max, got) => `Argument ${name} must be between ${min} and ${max}, got ${got}`,
    notChoice: (name, choices, got) => `Argument ${name} must be one of [${choices}], got ${got}`,
    unknown: (names, known) => `Unknown argument: ${names} (known: ${known || 'none'})`,
    surplus: (words, positionals) => `Too many arguments: ${words} (positional arguments: ${positionals || 'none'})`,
    notObject: (got) => `Arguments must be a JSON object, got ${got}`,
  },
  zh_CN: {
    missing: (name, description) => `缺少必填参数: ${name}${description ? ` (${description})` : ''}`,
    notInteger: (name, got) => `参数 ${name} 需要整数, 收到 ${got}`,
    notNumber: (name, got) => `参数 ${name} 需要数字, 收到 ${got}`,
    notBoolean: (name, got) => `参数 ${name} 需要布尔值 ${BOOL_WORDS}, 收到 ${got}`,
    notString: (name, got) => `参数 ${name} 需要字符串, 收到 ${got}`,
    outOfRange: (name, min, max, got) => `参数 ${name} 必须在 ${min} 到 ${max} 之间, 收到 ${got}`,
    notChoice: (name, choices, got) => `参数 ${name} 必须是 [${choices}] 之一, 收到 ${got}`,
    unknown: (names, known) => `未知参数: ${names} (可用: ${known || '无'})`,
    surplus: (words, positionals) => `多余的参数: ${words} (位置参数: ${positionals || '无'})`,
    notObject: (got) => `参数必须是 JSON 对象, 收到 ${got}`,
  },
};

/**
 * Builders for every argument error, in one language. Rejected values are passed raw and shown with
 * {@link shownValue}, so `"3.5"` (typed text) and `3.5` (a JSON number) read differently.
 */
export function argumentErrors(lang: ArgumentLang = 'en_US') {
  const t = TEXTS[lang];
  return {
    missing: (name: string, description: string) =>
      new ArgumentError(t.missing(name, description), { argument: name, expected: 'a value' }),
    notInteger: (name: string, got: unknown) =>
      new ArgumentError(t.notInteger(name, shownValue(got)), { argument: name, expected: 'an integer' }),
    notNumber: (name: string, got: unknown) =>
      new ArgumentError(t.notNumber(name, shownValue(got)), { argument: name, expected: 'a number' }),
    notBoolean: (name: string, got: unknown) =>
      new ArgumentError(t.notBoolean(name, shownValue(got)), { argument: name, expected: 'true/false' }),
    notString: (name: string, got: unknown) =>
      new ArgumentError(t.notString(name, shownValue(got)), { argument: name, expected: 'a string' }),
    outOfRange: (name: string, [min, max]: readonly [number, number], got: number) =>
      new ArgumentError(t.outOfRange(name, min, max, got), { argument: name, expected: `between ${min} and ${max}` }),
    notChoice: (name: string, choices: readonly string[], got: string) =>
      new ArgumentError(t.notChoice(name, choices.join(', '), shownValue(got)), {
        argument: name,
        expected: `one of [${choices.join(', ')}]`,
      }),
    unknown: (names: readonly string[], known: readonly string[]) =>
      new ArgumentError(t.unknown(names.join(', '), known.join(', ')), {
        argument: names.join(', '),
        expected: `one of [${known.join(', ')}]`,
      }),
    /** Words no argument takes (the reference dropped them silently). The first few are named. */
    surplus: (words: readonly string[], positionals: readonly string[]) =>
      new ArgumentError(t.surplus(shownWords(words), positionals.join(', ')), {
        expected: `at most ${positionals.length} positional value${positionals.length === 1 ? '' : 's'}`,
      }),
    notObject: (got: unknown) => new ArgumentError(t.notObject(shownValue(got)), { expected: 'a JSON object' }),
  };
}
