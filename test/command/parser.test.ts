import { describe, expect, expectTypeOf, it } from 'vitest';
import { Arg, type ArgSpecs } from '../../core/command/args.js';
import { ArgumentError, convertJsonArgs, parseArgs, type ParseOptions } from '../../core/command/parser.js';
import { NekomataError } from '../../core/errors/index.js';

// Handler declarations from reference §1.4.4 and the Nekro command docs.
const weather = {
  location: Arg.str('城市名', { default: '北京', positional: true }),
  days: Arg.int('天数', { range: [1, 7], default: 3 }),
  unit: Arg.str('单位', { choices: ['c', 'f'], default: 'c' }),
  verbose: Arg.bool('', { default: false }),
};
const configSet = {
  key: Arg.str('配置键', { positional: true }),
  value: Arg.str('配置值', { positional: true }),
};
const echo = { text: Arg.str('文本', { greedy: true }) };
const hello = { name: Arg.str('称呼对象', { positional: true, default: 'Nekro' }) };
const say = {
  target: Arg.str('对象', { positional: true }),
  content: Arg.str('内容', { greedy: true }),
};
const notify = {
  target: Arg.str('对象', { positional: true, default: 'all' }),
  content: Arg.str('内容', { greedy: true }),
};
const scale = {
  ratio: Arg.float('比例', { range: [0, 1], default: 0.5 }),
  count: Arg.int('数量', { range: [-5, 5], default: 0 }),
};

const weatherDefaults = { location: '北京', days: 3, unit: 'c', verbose: false };
const GREEDY_FIX: ParseOptions = { greedyAfterPositionals: true };
const STRICT: ParseOptions = { strictBool: true };
const ZH: ParseOptions = { lang: 'zh_CN' };

type Case = [label: string, specs: ArgSpecs, raw: string, options: ParseOptions, expected: Record<string, unknown>];
type Failure = [label: string, specs: ArgSpecs, raw: string, options: ParseOptions, message: string];

describe('parseArgs: worked examples of §1.4.4', () => {
  it.each<Case>([
    ['kv and positional mixed', weather, '上海 days:5 unit:f', {}, { days: 5, unit: 'f', location: '上海', verbose: false }],
    ['non-boolean word is false', weather, 'verbose:maybe', {}, weatherDefaults],
    ['unknown key is positional', weather, 'foo:bar days:2', {}, { ...weatherDefaults, location: 'foo:bar', days: 2 }],
    ['two positionals', configSet, 'model gpt-4', {}, { key: 'model', value: 'gpt-4' }],
    ['one greedy: verbatim trimmed text', echo, '  hello   "world"  ', {}, { text: 'hello   "world"' }],
  ])('%s: %j', (_label, specs, raw, options, expected) => {
    expect(parseArgs(specs, raw, options)).toEqual(expected);
  });

  it.each<Failure>([
    ['range', weather, 'days:9', {}, 'Argument days must be between 1 and 7, got 9'],
    ['missing value', configSet, 'model', {}, 'Missing required argument: value (配置值)'],
    // The reference dropped these words silently.
    ['unknown key is positional, the extra word an error', weather, 'foo:bar 上海', {}, 'Too many arguments: "上海" (positional arguments: location)'],
    ['extra positionals', weather, 'a b c', {}, 'Too many arguments: "b", "c" (positional arguments: location)'],
  ])('%s: %j fails', (_label, specs, raw, options, message) => {
    expectArgumentError(() => parseArgs(specs, raw, options), message);
  });
});

describe('parseArgs: grammar', () => {
  it.each<Case>([
    ['empty text: defaults', weather, '', {}, weatherDefaults],
    ['blank text: defaults', weather, ' \t\n\u3000', {}, weatherDefaults],
    ['double-quoted kv value', weather, 'location:"New York"', {}, { ...weatherDefaults, location: 'New York' }],
    ['single-quoted kv value', weather, "location:'New York'", {}, { ...weatherDefaults, location: 'New York' }],
    ['double-quoted positional', weather, '"New York" days:2', {}, { ...weatherDefaults, location: 'New York', days: 2 }],
    ['escaped space', weather, 'New\\ York', {}, { ...weatherDefaults, location: 'New York' }],
    ['escaped quotes inside double quotes', weather, '"say \\"hi\\""', {}, { ...weatherDefaults, location: 'say "hi"' }],
    ['adjacent quoted parts join', weather, 'a"b c"d', {}, { ...weatherDefaults, location: 'ab cd' }],
    ['quote pair surviving the tokenizer is stripped', weather, `location:'"x y"'`, {}, { ...weatherDefaults, location: 'x y' }],
    ['empty value key:', weather, 'location:', {}, { ...weatherDefaults, location: '' }],
    ['empty value key:""', weather, 'location:""', {}, { ...weatherDefaults, location: '' }],
    ['value split at the first colon', weather, 'location:a:b', {}, { ...weatherDefaults, location: 'a:b' }],
    ['CJK values', weather, '东京 unit:f', {}, { ...weatherDefaults, location: '东京', unit: 'f' }],
    ['emoji values', weather, '"🐱 猫" verbose:yes', {}, { ...weatherDefaults, location: '🐱 猫', verbose: true }],
    ['undeclared CJK key is positional', weather, '城市:上海', {}, { ...weatherDefaults, location: '城市:上海' }],
    ['keys are case-sensitive', weather, 'DAYS:5', {}, { ...weatherDefaults, location: 'DAYS:5' }],
    ['a URL is an unknown key, so positional', weather, 'http://example.com/a', {}, { ...weatherDefaults, location: 'http://example.com/a' }],
    ['non-identifier before the colon is positional', weather, '12:30', {}, { ...weatherDefaults, location: '12:30' }],
    ['later kv wins', weather, 'days:5 days:6', {}, { ...weatherDefaults, days: 6 }],
    ['positional values never fill non-positional args', weather, '5', {}, { ...weatherDefaults, location: '5' }],
    ['unbalanced quote: whitespace split keeps the quote', weather, '"上海 days:5', {}, { ...weatherDefaults, location: '"上海', days: 5 }],
    ['unbalanced quote: kv value keeps a lone quote', weather, 'location:"上海 days:5', {}, { ...weatherDefaults, location: '"上海', days: 5 }],
    ['unbalanced quote: a matching pair is still stripped', weather, `location:'x' verbose:"on`, {}, { ...weatherDefaults, location: 'x' }],
    ['single positional: kv syntax is text', hello, 'name:Bob', {}, { name: 'name:Bob' }],
    ['single positional: plain', hello, 'Bob', {}, { name: 'Bob' }],
    ['single positional: empty takes default', hello, '   ', {}, { name: 'Nekro' }],
    ['single positional: quotes kept', hello, ' "Bob  Lee" ', {}, { name: '"Bob  Lee"' }],
    ['single positional int is converted', { n: Arg.int('n', { positional: true }) }, ' 42 ', {}, { n: 42 }],
    ['single non-positional arg still parses kv', { name: Arg.str('x', { default: 'N' }) }, 'name:Bob', {}, { name: 'Bob' }],
    ['defaults returned as declared, unchecked', { n: Arg.int('n', { range: [1, 5], default: 10 }), s: Arg.str('s', { choices: ['a'], default: 'z' }) }, '', {}, { n: 10, s: 'z' }],
    ['choices ignored for int args', { n: Arg.int('n', { choices: ['1'], default: 0 }), s: Arg.str() }, 'n:2 s:x', {}, { n: 2, s: 'x' }],
    ['no args declared, no text', {}, '  ', {}, {}],
  ])('%s: %j', (_label, specs, raw, options, expected) => {
    expect(parseArgs(specs, raw, options)).toEqual(expected);
  });
});

describe('parseArgs: words no argument takes', () => {
  it.each<Failure>([
    ['one word too many', configSet, 'model gpt-4 now', {}, 'Too many arguments: "now" (positional arguments: key, value)'],
    ['kv and positional for the same arg', weather, '上海 location:广州', {}, 'Too many arguments: "上海" (positional arguments: location)'],
    ['single non-positional arg', { name: Arg.str('x', { default: 'N' }) }, 'Bob', {}, 'Too many arguments: "Bob" (positional arguments: none)'],
    ['no args declared', {}, 'a b:c "d', {}, 'Too many arguments: "a", "b:c", ""d" (positional arguments: none)'],
    ['the first three are named', {}, 'a b c d e', {}, 'Too many arguments: "a", "b", "c", … (5) (positional arguments: none)'],
    ['greedy given as kv: a word left over', say, 'content:hi alice bob', {}, 'Too many arguments: "bob" (positional arguments: target)'],
    ['fix: greedy given as kv: a word left over', say, 'content:hi alice bob', GREEDY_FIX, 'Too many arguments: "bob" (positional arguments: target)'],
    ['kv given after its positional', notify, 'http://x.com target:bob look', {}, 'Too many arguments: "http://x.com" (positional arguments: target)'],
    ['zh', weather, '上海 广州', ZH, '多余的参数: "广州" (位置参数: location)'],
  ])('%s: %j fails', (_label, specs, raw, options, message) => {
    expectArgumentError(() => parseArgs(specs, raw, options), message);
  });

  it.each<Case>([
    ['a greedy argument takes the rest', say, 'target:alice hi there you', {}, { target: 'alice', content: 'hi there you' }],
    ['quirk: an unknown key with no positional left starts the greedy text', notify, 'http://x.com http://y.com look', {}, { target: 'http://x.com', content: 'http://y.com look' }],
    ['fix: the same', notify, 'http://x.com http://y.com look', GREEDY_FIX, { target: 'http://x.com', content: 'http://y.com look' }],
    ['a single positional takes the whole text', hello, 'Bob and Ann', {}, { name: 'Bob and Ann' }],
  ])('%s: %j', (_label, specs, raw, options, expected) => {
    expect(parseArgs(specs, raw, options)).toEqual(expected);
  });

  it('is a typed INVALID_ARGS error saying how many positional values fit', () => {
    expect(catchError(() => parseArgs(configSet, 'a b c'))).toMatchObject({ code: 'INVALID_ARGS', expected: 'at most 2 positional values' });
  });
});

describe('parseArgs: greedy arguments', () => {
  it.each<Case>([
    ['kv before greedy text', say, 'target:alice hi   there', {}, { target: 'alice', content: 'hi there' }],
    ['quoted greedy token keeps its spaces', say, 'target:alice "hi   there"', {}, { target: 'alice', content: 'hi   there' }],
    ['quirk: kv after greedy text is text', notify, 'hi target:alice', {}, { target: 'all', content: 'hi target:alice' }],
    ['quirk: first positional starts greedy text', notify, 'alice hi', {}, { target: 'all', content: 'alice hi' }],
    ['quirk: unknown key goes positional, not greedy', notify, 'http://x.com look', {}, { target: 'http://x.com', content: 'look' }],
    ['greedy given as kv first', say, 'content:hi alice', {}, { target: 'alice', content: 'hi' }],
    ['kv, greedy, then kv-looking text', say, 'target:bob hello content:x', {}, { target: 'bob', content: 'hello content:x' }],
    ['fix: positional fills before greedy', say, 'alice hi   there', GREEDY_FIX, { target: 'alice', content: 'hi there' }],
    ['fix: kv for the positional, rest greedy', say, 'target:bob hi there', GREEDY_FIX, { target: 'bob', content: 'hi there' }],
    ['fix: unknown key is greedy text too', say, 'alice http://x.com look', GREEDY_FIX, { target: 'alice', content: 'http://x.com look' }],
    ['fix: kv after greedy text is still text', say, 'alice hi target:bob', GREEDY_FIX, { target: 'alice', content: 'hi target:bob' }],
    ['fix: no positional before greedy, same as quirk', echo, 'a b', GREEDY_FIX, { text: 'a b' }],
    ['fix: single greedy shortcut unchanged', echo, ' a  "b" ', GREEDY_FIX, { text: 'a  "b"' }],
  ])('%s: %j', (_label, specs, raw, options, expected) => {
    expect(parseArgs(specs, raw, options)).toEqual(expected);
  });

  it.each<Failure>([
    ['quirk: positional before greedy cannot be filled', say, 'alice hi', {}, 'Missing required argument: target (对象)'],
    ['fix: greedy missing', say, 'alice', GREEDY_FIX, 'Missing required argument: content (内容)'],
  ])('%s: %j fails', (_label, specs, raw, options, message) => {
    expectArgumentError(() => parseArgs(specs, raw, options), message);
  });
});

describe('parseArgs: conversions', () => {
  it.each<Case>([
    ['int min', weather, 'days:1', {}, { ...weatherDefaults, days: 1 }],
    ['int max', weather, 'days:7', {}, { ...weatherDefaults, days: 7 }],
    ['int with plus sign', weather, 'days:+7', {}, { ...weatherDefaults, days: 7 }],
    ['int with leading zeros', weather, 'days:007', {}, { ...weatherDefaults, days: 7 }],
    ['negative int min', scale, 'count:-5', {}, { ratio: 0.5, count: -5 }],
    ['negative zero is zero', scale, 'count:-0 ratio:-0.0', {}, { ratio: 0, count: 0 }],
    ['float min', scale, 'ratio:0', {}, { ratio: 0, count: 0 }],
    ['float max', scale, 'ratio:1.0', {}, { ratio: 1, count: 0 }],
    ['float without leading digit', scale, 'ratio:.25', {}, { ratio: 0.25, count: 0 }],
    ['float with exponent', scale, 'ratio:1e-1', {}, { ratio: 0.1, count: 0 }],
    ['bool TRUE', weather, 'verbose:TRUE', {}, { ...weatherDefaults, verbose: true }],
    ['bool 1', weather, 'verbose:1', {}, { ...weatherDefaults, verbose: true }],
    ['bool on', weather, 'verbose:On', {}, { ...weatherDefaults, verbose: true }],
    ['bool no', weather, 'verbose:no', {}, weatherDefaults],
    ['bool empty is false', weather, 'verbose:', {}, weatherDefaults],
    ['strict bool yes', weather, 'verbose:YES', STRICT, { ...weatherDefaults, verbose: true }],
    ['strict bool off', weather, 'verbose:off', STRICT, weatherDefaults],
    ['strict bool 0', weather, 'verbose:0', STRICT, weatherDefaults],
    ['choice', weather, 'unit:f', {}, { ...weatherDefaults, unit: 'f' }],
  ])('%s: %j', (_label, specs, raw, options, expected) => {
    expect(parseArgs(specs, raw, options)).toEqual(expected);
  });

  it.each<Failure>([
    ['int just above max', weather, 'days:8', {}, 'Argument days must be between 1 and 7, got 8'],
    ['int just below min', weather, 'days:0', {}, 'Argument days must be between 1 and 7, got 0'],
    ['negative int below min', scale, 'count:-6', {}, 'Argument count must be between -5 and 5, got -6'],
    ['float just above max', scale, 'ratio:1.01', {}, 'Argument ratio must be between 0 and 1, got 1.01'],
    ['float just below min', scale, 'ratio:-0.001', {}, 'Argument ratio must be between 0 and 1, got -0.001'],
    ['int from decimal', scale, 'count:3.5', {}, 'Argument count requires an integer, got "3.5"'],
    ['int from empty', scale, 'count:', {}, 'Argument count requires an integer, got ""'],
    ['int from hex', scale, 'count:0x10', {}, 'Argument count requires an integer, got "0x10"'],
    ['int from exponent', scale, 'count:1e3', {}, 'Argument count requires an integer, got "1e3"'],
    ['int from word', scale, 'count:three', {}, 'Argument count requires an integer, got "three"'],
    ['int beyond safe range', scale, 'count:99999999999999999999', {}, 'Argument count requires an integer, got "99999999999999999999"'],
    ['float from word', scale, 'ratio:abc', {}, 'Argument ratio requires a number, got "abc"'],
    ['float from inf', scale, 'ratio:inf', {}, 'Argument ratio requires a number, got "inf"'],
    ['float from nan', scale, 'ratio:nan', {}, 'Argument ratio requires a number, got "nan"'],
    ['float from hex', scale, 'ratio:0x1', {}, 'Argument ratio requires a number, got "0x1"'],
    ['float from empty', scale, 'ratio:""', {}, 'Argument ratio requires a number, got ""'],
    ['float overflow', scale, 'ratio:1e999', {}, 'Argument ratio requires a number, got "1e999"'],
    ['choice not allowed', weather, 'unit:k', {}, 'Argument unit must be one of [c, f], got "k"'],
    ['choices are case-sensitive', weather, 'unit:C', {}, 'Argument unit must be one of [c, f], got "C"'],
    ['strict bool rejects other words', weather, 'verbose:maybe', STRICT, 'Argument verbose requires true/false (true, 1, yes, on / false, 0, no, off), got "maybe"'],
    ['strict bool rejects empty', weather, 'verbose:', STRICT, 'Argument verbose requires true/false (true, 1, yes, on / false, 0, no, off), got ""'],
    ['missing without description', { a: Arg.str(), b: Arg.str('', { default: '' }) }, '', {}, 'Missing required argument: a'],
    ['zh: missing', configSet, 'model', ZH, '缺少必填参数: value (配置值)'],
    ['zh: range', weather, 'days:9', ZH, '参数 days 必须在 1 到 7 之间, 收到 9'],
    ['zh: integer', weather, 'days:3.5', ZH, '参数 days 需要整数, 收到 "3.5"'],
    ['zh: number', scale, 'ratio:半', ZH, '参数 ratio 需要数字, 收到 "半"'],
    ['zh: choices', weather, 'unit:k', ZH, '参数 unit 必须是 [c, f] 之一, 收到 "k"'],
    ['zh: strict bool', weather, 'verbose:是', { ...STRICT, ...ZH }, '参数 verbose 需要布尔值 (true, 1, yes, on / false, 0, no, off), 收到 "是"'],
  ])('%s: %j fails', (_label, specs, raw, options, message) => {
    expectArgumentError(() => parseArgs(specs, raw, options), message);
  });

  it('reports the argument and what it expected on a typed INVALID_ARGS error', () => {
    const error = catchError(() => parseArgs(weather, 'days:9'));
    expect(error).toBeInstanceOf(ArgumentError);
    expect(error).toBeInstanceOf(NekomataError);
    expect(error).toMatchObject({ code: 'INVALID_ARGS', argument: 'days', expected: 'between 1 and 7' });
    expect(catchError(() => parseArgs(weather, 'unit:k'))).toMatchObject({ argument: 'unit', expected: 'one of [c, f]' });
    expect(catchError(() => parseArgs(configSet, ''))).toMatchObject({ argument: 'key', expected: 'a value' });
  });
});

describe('convertJsonArgs', () => {
  it.each<[label: string, specs: ArgSpecs, json: unknown, options: ParseOptions, expected: Record<string, unknown>]>([
    ['empty object: defaults', weather, {}, {}, weatherDefaults],
    ['undefined: defaults', weather, undefined, {}, weatherDefaults],
    ['null: defaults', weather, null, {}, weatherDefaults],
    ['typed values', weather, { location: '上海', days: 5, unit: 'f', verbose: true }, {}, { location: '上海', days: 5, unit: 'f', verbose: true }],
    ['null value: default', weather, { days: null }, {}, weatherDefaults],
    ['int from string', weather, { days: '5' }, {}, { ...weatherDefaults, days: 5 }],
    ['bool from string', weather, { verbose: 'yes' }, {}, { ...weatherDefaults, verbose: true }],
    ['bool from other word, lenient', weather, { verbose: 'maybe' }, {}, weatherDefaults],
    ['float from number and string', scale, { ratio: 0.25, count: '-2' }, {}, { ratio: 0.25, count: -2 }],
    ['required given', configSet, { key: 'model', value: 'gpt-4' }, {}, { key: 'model', value: 'gpt-4' }],
    ['text is not parsed', configSet, { key: 'a b', value: 'value:"x"' }, {}, { key: 'a b', value: 'value:"x"' }],
  ])('%s: %j', (_label, specs, json, options, expected) => {
    expect(convertJsonArgs(specs, json, options)).toEqual(expected);
  });

  it.each<[label: string, specs: ArgSpecs, json: unknown, options: ParseOptions, message: string]>([
    ['unknown keys', weather, { foo: 1, bar: 2 }, {}, 'Unknown argument: foo, bar (known: location, days, unit, verbose)'],
    ['prototype key is unknown', weather, JSON.parse('{"__proto__": 1}'), {}, 'Unknown argument: __proto__ (known: location, days, unit, verbose)'],
    ['zh: unknown key', configSet, { k: 'x' }, ZH, '未知参数: k (可用: key, value)'],
    ['not an object', weather, [1], {}, 'Arguments must be a JSON object, got [1]'],
    ['a string is not an object', weather, 'days:5', {}, 'Arguments must be a JSON object, got "days:5"'],
    ['non-integer number', weather, { days: 5.5 }, {}, 'Argument days requires an integer, got 5.5'],
    ['non-integer string', weather, { days: '5.5' }, {}, 'Argument days requires an integer, got "5.5"'],
    ['boolean for int', weather, { days: true }, {}, 'Argument days requires an integer, got true'],
    ['range', weather, { days: 9 }, {}, 'Argument days must be between 1 and 7, got 9'],
    ['float range', scale, { ratio: 2 }, {}, 'Argument ratio must be between 0 and 1, got 2'],
    ['choices', weather, { unit: 'k' }, {}, 'Argument unit must be one of [c, f], got "k"'],
    ['number for str', weather, { location: 5 }, {}, 'Argument location requires a string, got 5'],
    ['number for bool', weather, { verbose: 1 }, {}, 'Argument verbose requires true/false (true, 1, yes, on / false, 0, no, off), got 1'],
    ['strict bool word', weather, { verbose: 'maybe' }, STRICT, 'Argument verbose requires true/false (true, 1, yes, on / false, 0, no, off), got "maybe"'],
    ['required missing', configSet, { key: 'model' }, {}, 'Missing required argument: value (配置值)'],
    ['zh: required missing', configSet, {}, ZH, '缺少必填参数: key (配置键)'],
  ])('%s: %j fails', (_label, specs, json, options, message) => {
    expectArgumentError(() => convertJsonArgs(specs, json, options), message);
  });

  it('names every unknown key on the error', () => {
    expect(catchError(() => convertJsonArgs(weather, { foo: 1, bar: 2 }))).toMatchObject({ code: 'INVALID_ARGS', argument: 'foo, bar' });
  });
});

describe('inferred types', () => {
  it('returns the handler argument object the declaration describes', () => {
    const parsed: { location: string; days: number; unit: string; verbose: boolean } = parseArgs(weather, '上海');
    const converted: { key: string; value: string } = convertJsonArgs(configSet, { key: 'a', value: 'b' });
    expectTypeOf(parseArgs(weather, '')).toEqualTypeOf<{ location: string; days: number; unit: string; verbose: boolean }>();
    expectTypeOf(convertJsonArgs(scale, {})).toEqualTypeOf<{ ratio: number; count: number }>();
    // @ts-expect-error days is a number, not a string
    const wrong: string = parseArgs(weather, '').days;
    expect([parsed.location, converted.value, typeof wrong]).toEqual(['上海', 'b', 'number']);
  });
});

function expectArgumentError(run: () => unknown, message: string): void {
  const error = catchError(run);
  expect(error).toBeInstanceOf(ArgumentError);
  expect((error as ArgumentError).message).toBe(message);
}

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
