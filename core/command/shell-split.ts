/**
 * POSIX shell word splitting with the exact behaviour of Python's `shlex.split(text)` (posix=True,
 * no comments), which Nekro's parser uses to tokenize command arguments (reference §1.4.4 step 3).
 *
 * - Only space, tab, CR and LF separate words (shlex's `whitespace`); other Unicode spaces are word text.
 * - Single quotes are literal. Inside double quotes a backslash escapes only `"` and `\`; before any
 *   other character (`$`, a backtick, a newline) it is kept, as shlex does, unlike a real shell.
 * - Outside quotes a backslash takes the next character literally, a newline included.
 * - Quotes are removed, and quoted and unquoted parts touching each other form one word: `a"b c"d` → `ab cd`.
 *   An empty quoted word (`''`) is kept as `''`.
 *
 * Returns `undefined` when a quote is not closed or the text ends with a lone backslash (shlex raises
 * there); the caller decides how to fall back.
 *
 * @example
 * shellSplit(`say "hello world" it\\'s`) // ['say', 'hello world', "it's"]
 * shellSplit(`say "oops`)               // undefined
 */
export function shellSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: '"' | "'" | undefined;
  let escaping = false;

  for (const ch of text) {
    if (escaping) {
      if (quote === '"' && ch !== '"' && ch !== '\\') word += '\\';
      word += ch;
      escaping = false;
    } else if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\') escaping = true;
      else word += ch;
    } else if (SEPARATORS.has(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      started = true;
      if (ch === '\\') escaping = true;
      else if (ch === '"' || ch === "'") quote = ch;
      else word += ch;
    }
  }

  if (escaping || quote !== undefined) return undefined;
  if (started) words.push(word);
  return words;
}

const SEPARATORS: ReadonlySet<string> = new Set([' ', '\t', '\r', '\n']);
