import type { ArgSpec, ArgSpecs, InferArgs } from './args.js';
import { argumentErrors, type ArgumentLang } from './args-errors.js';
import { shellSplit } from './shell-split.js';

export { ArgumentError, type ArgumentLang } from './args-errors.js';

/** Switches for the two fixes to Nekro's grammar (both off: the reference behaviour), and the error language. */
export interface ParseOptions {
  /**
   * Let positional tokens fill the positional arguments declared before the greedy one first, so
   * `/say alice hi there` gives `{ target: 'alice', content: 'hi there' }`. Off: the first positional
   * token starts the greedy text and `target` can only be given as `target:alice`. Either way a token with an
   * undeclared key (`http://x.com`) fills a positional argument while one is open; with the fix on it counts
   * only the ones declared before the greedy argument, off it counts them all.
   */
  greedyAfterPositionals?: boolean;
  /** Reject a `bool` value that is not true/1/yes/on/false/0/no/off. Off: any other word is `false`. */
  strictBool?: boolean;
  /** Language of error messages. Default `en_US`. */
  lang?: ArgumentLang;
}

type Errors = ReturnType<typeof argumentErrors>;

interface Settings {
  readonly greedyAfterPositionals: boolean;
  readonly strictBool: boolean;
  readonly errors: Errors;
}

type Param = readonly [name: string, spec: ArgSpec];

/**
 * Parses a command's argument text with Nekro's grammar (reference §1.4.4): `key:value` pairs for
 * declared names, positional values for `positional` arguments in declaration order, a `greedy` argument
 * taking the rest, then type conversion and `range`/`choices` checks. Absent arguments take their declared
 * default, unconverted. A word no argument takes is an error (the reference dropped it). Throws
 * {@link ArgumentError} (`INVALID_ARGS`).
 *
 * @example
 * const args = { location: Arg.str('城市名', { default: '北京', positional: true }), days: Arg.int('天数', { range: [1, 7], default: 3 }) };
 * parseArgs(args, '上海 days:5') // { location: '上海', days: 5 }
 */
export function parseArgs<A extends ArgSpecs>(specs: A, rawArgs: string, options: ParseOptions = {}): InferArgs<A> {
  const settings = settingsFrom(options);
  const c = compile(specs);
  const text = stripPython(rawArgs);
  const values = text === '' ? new Map<string, unknown>() : readValues(c, text, settings);
  return complete(c.params, values, settings.errors) as InferArgs<A>;
}

/**
 * Checks and converts the JSON arguments of an agent tool call against a command's declaration, with the
 * same conversion rules as {@link parseArgs} and no text parsing. Strings are accepted for `int`, `float`
 * and `bool`; `null` or a missing key means "not given". Unknown keys are an error.
 *
 * @example
 * convertJsonArgs({ days: Arg.int('天数', { range: [1, 7], default: 3 }) }, { days: '5' }) // { days: 5 }
 */
export function convertJsonArgs<A extends ArgSpecs>(specs: A, json: unknown, options: ParseOptions = {}): InferArgs<A> {
  const settings = settingsFrom(options);
  const params: Param[] = Object.entries(specs);
  const given = json ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) throw settings.errors.notObject(json);

  const entries = Object.entries(given as Record<string, unknown>);
  const unknown = entries.filter(([key]) => !Object.hasOwn(specs, key)).map(([key]) => key);
  if (unknown.length > 0) throw settings.errors.unknown(unknown, Object.keys(specs));

  const values = new Map<string, unknown>();
  for (const [name, value] of entries) {
    if (value !== null && value !== undefined) values.set(name, convert([name, specs[name]!], value, settings));
  }
  return complete(params, values, settings.errors) as InferArgs<A>;
}

const ERRORS: Record<ArgumentLang, Errors> = { en_US: argumentErrors('en_US'), zh_CN: argumentErrors('zh_CN') };

function settingsFrom(options: ParseOptions): Settings {
  return {
    greedyAfterPositionals: options.greedyAfterPositionals ?? false,
    strictBool: options.strictBool ?? false,
    errors: ERRORS[options.lang ?? 'en_US'],
  };
}

interface Compiled {
  readonly params: readonly Param[];
  readonly byName: ReadonlyMap<string, ArgSpec>;
  readonly declared: ReadonlySet<string>;
  readonly greedyIndex: number;
  readonly positionals: readonly Param[];
}
const COMPILED = new WeakMap<ArgSpecs, Compiled>();

function compile(specs: ArgSpecs): Compiled {
  let c = COMPILED.get(specs);
  if (!c) {
    const params: Param[] = Object.entries(specs);
    c = {
      params,
      byName: new Map(params),
      declared: new Set(params.map(([name]) => name)),
      greedyIndex: params.findIndex(([, spec]) => spec.greedy),
      positionals: params.filter(([, spec]) => spec.positional),
    };
    COMPILED.set(specs, c);
  }
  return c;
}

/** The converted values given in non-empty argument text (§1.4.4 steps 2 to 5). */
function readValues(c: Compiled, text: string, settings: Settings): Map<string, unknown> {
  const { params } = c;
  const values = new Map<string, unknown>();
  const only = params.length === 1 ? params[0] : undefined;
  if (only && (only[1].positional || only[1].greedy)) {
    // The whole text is the value, untokenized: `/hello name:Bob` gives name = "name:Bob".
    return values.set(only[0], convert(only, text, settings));
  }
  const { keyed, positional } = classify(c, tokenize(text), settings);
  for (const [name, value] of keyed) values.set(name, convert([name, c.byName.get(name)!], value, settings));
  let i = 0;
  for (const param of c.positionals) {
    if (values.has(param[0])) continue;
    const value = positional[i++];
    if (value !== undefined) values.set(param[0], convert(param, value, settings));
  }
  // The reference dropped extra words silently, so `/commands.permission echo advanced global` quietly set the
  // caller's chat only. A word no argument takes is an error naming it; a greedy argument takes the rest.
  if (i < positional.length) throw settings.errors.surplus(positional.slice(i), c.positionals.map(([name]) => name));
  return values;
}

/** Unbalanced quoting falls back to plain whitespace splitting, quote characters kept (§1.4.4 step 3). */
function tokenize(text: string): string[] {
  // Without quotes or backslashes shlex only splits on its four whitespace characters.
  if (!QUOTING.test(text)) return text.split(SHLEX_SPACE_RUN).filter((word) => word !== '');
  return shellSplit(text) ?? text.split(PYTHON_SPACE_RUN).filter((word) => word !== '');
}

/**
 * Sorts tokens into `key:value` pairs for declared names and positional values, stopping where the greedy
 * argument starts (§1.4.4 step 4). A later pair for the same key overwrites the earlier value.
 */
function classify(c: Compiled, tokens: readonly string[], settings: Settings) {
  const { params, greedyIndex, declared } = c;
  const keyed = new Map<string, string>();
  const positional: string[] = [];
  const greedy = params[greedyIndex];

  for (const [i, token] of tokens.entries()) {
    const pair = splitKeyValue(token);
    if (pair && declared.has(pair.key)) {
      keyed.set(pair.key, pair.value);
      continue;
    }
    if (greedy && !keyed.has(greedy[0])) {
      // Reference quirk: a plain word starts the greedy text at once, but an unknown `key:value` token is a
      // positional value. Once no positional argument is left to take it, it starts the greedy text too,
      // rather than being a surplus word.
      const slots = settings.greedyAfterPositionals
        ? openSlots(params.slice(0, greedyIndex), keyed)
        : pair === undefined
          ? 0
          : openSlots(params, keyed, greedy[0]);
      if (positional.length >= slots) {
        // Joined after tokenizing: quotes are gone and runs of spaces are one space.
        keyed.set(greedy[0], tokens.slice(i).join(' '));
        break;
      }
    }
    positional.push(token);
  }
  return { keyed, positional };
}

/** Positional arguments among `params` (but `except`) not given as `key:value` so far. */
function openSlots(params: readonly Param[], keyed: ReadonlyMap<string, string>, except?: string): number {
  return params.filter(([name, spec]) => spec.positional && name !== except && !keyed.has(name)).length;
}

/** `key:value` when the text before the first `:` is an identifier; one outer pair of matching quotes is dropped. */
function splitKeyValue(token: string): { key: string; value: string } | undefined {
  const colon = token.indexOf(':');
  if (colon < 0) return undefined;
  const key = token.slice(0, colon);
  if (!IDENTIFIER.test(key)) return undefined;
  let value = token.slice(colon + 1);
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) value = value.slice(1, -1);
  return { key, value };
}

function convert([name, spec]: Param, value: unknown, settings: Settings): string | number | boolean {
  const { errors } = settings;
  switch (spec.type) {
    case 'str':
      if (typeof value !== 'string') throw errors.notString(name, value);
      // Reference: choices are checked only for str arguments.
      if (spec.choices && spec.choices.length > 0 && !spec.choices.includes(value)) {
        throw errors.notChoice(name, spec.choices, value);
      }
      return value;
    case 'bool':
      return toBoolean(name, value, settings);
    case 'int': {
      const number = typeof value === 'string' ? parseInteger(value) : value;
      if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw errors.notInteger(name, value);
      return checkRange(name, spec, number, errors);
    }
    case 'float': {
      const number = typeof value === 'string' ? parseDecimal(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw errors.notNumber(name, value);
      return checkRange(name, spec, number, errors);
    }
  }
}

function toBoolean(name: string, value: unknown, { strictBool, errors }: Settings): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    // Reference quirk: without strictBool every other word is false, silently.
    if (!strictBool || FALSE_WORDS.has(word)) return false;
  }
  throw errors.notBoolean(name, value);
}

function checkRange(name: string, spec: ArgSpec, value: number, errors: Errors): number {
  const range = spec.range;
  if (range && !(range[0] <= value && value <= range[1])) throw errors.outOfRange(name, range, value);
  return value;
}

/** Optional sign and ASCII digits only: `3.5`, `0x10`, `1e3` and `` are not integers. */
function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) + 0 : undefined;
}

/** A plain decimal with optional exponent; `inf`, `nan` and hex are refused. `+ 0` turns `-0` into `0`. */
function parseDecimal(text: string): number | undefined {
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) + 0 : undefined;
}

/** Declared defaults for what was not given, in declaration order; the first missing required one throws. */
function complete(params: readonly Param[], values: ReadonlyMap<string, unknown>, errors: Errors): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of params) {
    let value: unknown;
    if (values.has(name)) value = values.get(name);
    else if (spec.required) throw errors.missing(name, spec.description);
    else value = spec.default;
    // defineProperty, not assignment: an argument named __proto__ must stay a plain property.
    if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    else out[name] = value;
  }
  return out;
}

const QUOTING = /["'\\]/;
const SHLEX_SPACE_RUN = /[ \t\r\n]+/;

/** Python's `str.isidentifier()`, which decides whether `a:b` is a key:value pair. */
const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;

/** Python's `str.strip()`/`str.split()` whitespace (`str.isspace`), which differs from JS `\s` in a few code points. */
const PYTHON_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_SPACE_RUN = new RegExp(`[${PYTHON_SPACE}]+`);
const PYTHON_SPACE_EDGES = new RegExp(`^[${PYTHON_SPACE}]+|[${PYTHON_SPACE}]+$`, 'g');

function stripPython(text: string): string {
  return text.replace(PYTHON_SPACE_EDGES, '');
}

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', '0', 'no', 'off']);
