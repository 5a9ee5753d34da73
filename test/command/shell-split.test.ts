import { describe, expect, it } from 'vitest';
import { shellSplit } from '../../core/command/shell-split.js';

// Expected values are what Python's `shlex.split(text)` returns (checked with python3); `undefined` where it
// raises ValueError ("No closing quotation" / "No escaped character").
describe('shellSplit matches Python shlex.split', () => {
  it.each<[string, string, string[] | undefined]>([
    ["no words in empty text", "", []],
    ["no words in blank text", "   ", []],
    ["splits on runs of spaces", "a b  c", ["a", "b", "c"]],
    ["splits on tab, LF and CR", " a\tb\nc\rd ", ["a", "b", "c", "d"]],
    ["single quotes group words", "'a b'", ["a b"]],
    ["double quotes group words", "\"a b\"", ["a b"]],
    ["joins adjacent quoted and bare parts", "a\"b c\"d", ["ab cd"]],
    ["joins mixed quote styles", "a'b'\"c\"d", ["abcd"]],
    ["backslash escapes a space", "a\\ b", ["a b"]],
    ["backslash escapes a double quote inside double quotes", "\"a\\\"b\"", ["a\"b"]],
    ["backslash escapes a backslash inside double quotes", "\"a\\\\b\"", ["a\\b"]],
    ["keeps backslash before $ inside double quotes", "\"a\\$b\"", ["a\\$b"]],
    ["keeps backslash before a backtick inside double quotes", "\"a\\`b\"", ["a\\`b"]],
    ["keeps backslash before other chars inside double quotes", "\"a\\xb\"", ["a\\xb"]],
    ["keeps backslash before a newline inside double quotes", "\"a\\\nb\"", ["a\\\nb"]],
    ["single quotes are literal", "'a\\b'", ["a\\b"]],
    ["double quote inside single quotes", "'a\"b'", ["a\"b"]],
    ["single quote inside double quotes", "\"a'b\"", ["a'b"]],
    ["keeps an empty quoted word", "a '' b", ["a", "", "b"]],
    ["a lone empty double-quoted word", "\"\"", [""]],
    ["a trailing empty word", "x ''", ["x", ""]],
    ["escaped newline outside quotes is a literal newline", "a\\\nb", ["a\nb"]],
    ["no comments", "#c d", ["#c", "d"]],
    ["key:\"value\" loses its quotes", "key:\"hello world\"", ["key:hello world"]],
    ["key:'value' loses its quotes", "key:'v'", ["key:v"]],
    ["CJK words", "上海 \"北 京\"", ["上海", "北 京"]],
    ["emoji words", "🐱 \"😀 x\"", ["🐱", "😀 x"]],
    ["ideographic space is not a separator", "x　y", ["x　y"]],
    ["form feed and vertical tab are not separators", "a\fb\u000bc", ["a\fb\u000bc"]],
    ["escaped double quote outside quotes", "\\\"a", ["\"a"]],
    ["escaped backslash outside quotes", "\\\\", ["\\"]],
    ["escaped emoji", "\\😀", ["😀"]],
    ["backslash before emoji kept inside double quotes", "\"\\😀\"", ["\\😀"]],
    ["escaped apostrophe", "it\\'s", ["it's"]],
    ["shell metacharacters are plain text", "$HOME `x` *", ["$HOME", "`x`", "*"]],
    ["operators are plain text", "a;b|c&&d", ["a;b|c&&d"]],
    ["unbalanced: trailing backslash", "a\\", undefined],
    ["unbalanced: open double quote", "\"abc", undefined],
    ["unbalanced: open single quote", "'abc", undefined],
    ["unbalanced: apostrophe inside open double quote", "a \"b'c", undefined],
    ["unbalanced: closing quote escaped", "\"a\\\"", undefined],
    ["unbalanced: escaped quote then open quote", "a\\\"b c\"", undefined],
  ])('%s: %j', (_name, text, expected) => {
    expect(shellSplit(text)).toEqual(expected);
  });
});
