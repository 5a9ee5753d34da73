import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One node of the model's reply, in document order. */
export type XmlNode =
  | { kind: 'text'; text: string }
  | { kind: 'element'; name: string; attributes: Record<string, string>; children: XmlNode[] };

export type XmlRead = { ok: true; nodes: XmlNode[] } | { ok: false; error: string };

const ROOT_OPEN = '<root>';

// Ampersands that do not start a character or entity reference, and '<' that cannot start markup (XML names
// start with a letter, '_' or ':'; '/', '!' and '?' open end tags, comments/CDATA and declarations). Models
// write "a & b", "1 < 2" and "<3"; escaping these turns a hard parse error into the text they meant. CDATA
// sections and comments are matched whole so their content is left alone.
const STRAY = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)|<(?![A-Za-z_:/!?\u0080-\uFFFF])/g;

// fast-xml-parser refuses these names (prototype pollution guard) by throwing; renamed, the element is just an
// unknown tag and is dropped on its own instead of failing the whole reply.
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const safeName = (name: string): string => (RESERVED_NAMES.has(name) ? `${name}_` : name);

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: true,
  // Keep whitespace and literal values: "007" and 20-digit message ids must not become numbers.
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // Entities are decoded once, by the parser: the five XML ones plus numeric references (and common HTML
  // names such as &nbsp;). The option is marked deprecated in favour of a custom `entityDecoder`, but it is
  // the only switch that enables numeric references with the built-in decoder in v5.
  processEntities: true,
  htmlEntities: true,
  transformTagName: safeName,
  transformAttributeName: safeName,
});

/** The reply without a surrounding Markdown code fence or XML declaration, which models often add. */
export function unwrapReply(text: string): string {
  let body = text.trim();
  const fence = /^```[\w-]*[ \t]*\n([\s\S]*?)\n?```$/.exec(body);
  if (fence) body = fence[1]!.trim();
  return body.replace(/^<\?xml[^>]*\?>\s*/, '');
}

/** Escapes stray `&` and `<`; `origin[i]` is the index in `body` of the escaped text's i-th character. */
function escapeStray(body: string): { escaped: string; origin: number[] } {
  let escaped = '';
  const origin: number[] = [];
  let last = 0;
  const keep = (from: number, to: number): void => {
    escaped += body.slice(from, to);
    for (let i = from; i < to; i++) origin.push(i);
  };
  for (const m of body.matchAll(STRAY)) {
    const at = m.index;
    keep(last, at);
    if (m[0] === '&' || m[0] === '<') {
      const entity = m[0] === '&' ? '&amp;' : '&lt;';
      escaped += entity;
      for (let i = 0; i < entity.length; i++) origin.push(at);
    } else {
      keep(at, at + m[0].length);
    }
    last = at + m[0].length;
  }
  keep(last, body.length);
  return { escaped, origin };
}

/** Reads the reply as the children of a `<root>` element (KiraAI wraps it the same way). */
export function readXml(body: string): XmlRead {
  const { escaped, origin } = escapeStray(body);
  const wrapped = `${ROOT_OPEN}${escaped}</root>`;
  const valid = XMLValidator.validate(wrapped, { allowBooleanAttributes: true });
  if (valid !== true) {
    const where = positionIn(body, wrapped, origin);
    const { line, col } = where(valid.err.line, valid.err.col);
    const msg = valid.err.msg.replace(/line (\d+), col (\d+)/g, (_m, l: string, c: string) => {
      const p = where(Number(l), Number(c));
      return `line ${p.line}, column ${p.col}`;
    });
    return { ok: false, error: `The reply is not well-formed XML: line ${line}, column ${col}: ${msg} Near: "${excerpt(body, line, col)}"` };
  }
  try {
    const doc = parser.parse(wrapped) as unknown[];
    const root = doc.map(toNode).find((n) => n?.kind === 'element' && n.name === 'root');
    return { ok: true, nodes: root?.kind === 'element' ? root.children : [] };
  } catch (err) {
    return { ok: false, error: `The reply could not be parsed as XML: ${(err as Error).message}` };
  }
}

/** Maps a validator position (in the wrapped, escaped text) back to a line and column of the model's text. */
function positionIn(body: string, wrapped: string, origin: number[]): (line: number, col: number) => { line: number; col: number } {
  const lineStarts = [0];
  for (let i = 0; i < wrapped.length; i++) if (wrapped[i] === '\n') lineStarts.push(i + 1);
  return (line, col) => {
    const index = (lineStarts[line - 1] ?? 0) + Math.max(col - 1, 0) - ROOT_OPEN.length;
    const at = index < 0 ? 0 : index >= origin.length ? body.length : origin[index]!;
    const before = body.slice(0, at);
    const lineNo = before.split('\n').length;
    return { line: lineNo, col: at - before.lastIndexOf('\n') };
  };
}

function excerpt(body: string, line: number, col: number): string {
  const text = body.split('\n')[line - 1] ?? '';
  return text.slice(Math.max(col - 21, 0), col + 20).trim();
}

/** fast-xml-parser's ordered output (`[{tag: [...children], ':@': {attrs}}, {'#text': '...'}]`) as nodes. */
function toNode(raw: unknown): XmlNode | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const obj = raw as Record<string, unknown>;
  if (typeof obj['#text'] === 'string') return { kind: 'text', text: obj['#text'] };
  const name = Object.keys(obj).find((k) => k !== ':@');
  // Processing instructions and declarations carry no content for the chat.
  if (name === undefined || name.startsWith('?') || name.startsWith('!')) return undefined;
  const children = Array.isArray(obj[name]) ? (obj[name] as unknown[]).map(toNode).filter((n): n is XmlNode => n !== undefined) : [];
  const attributes: Record<string, string> = {};
  const rawAttrs = obj[':@'];
  if (typeof rawAttrs === 'object' && rawAttrs !== null) {
    for (const [k, v] of Object.entries(rawAttrs)) attributes[k] = String(v);
  }
  return { kind: 'element', name, attributes, children };
}

/** All text under a node, as the DOM's `textContent`. */
export function textContent(node: XmlNode): string {
  return node.kind === 'text' ? node.text : node.children.map(textContent).join('');
}

/** Names of the elements nested anywhere under `node`. */
export function nestedElementNames(node: XmlNode): string[] {
  if (node.kind === 'text') return [];
  return node.children.flatMap((c) => (c.kind === 'element' ? [c.name, ...nestedElementNames(c)] : []));
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MARKUP = /<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)|<[?!][^<>]*>|<\/?[A-Za-z_:][^<>]*>|&(#\d+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);/g;

function decodeEntity(ref: string): string | undefined {
  if (ref in NAMED) return NAMED[ref];
  const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
  return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : undefined;
}

/** Text with tags and comments removed, CDATA kept as is and entities decoded once; lines tidied. */
export function stripMarkup(text: string): string {
  const plain = text.replace(MARKUP, (m, cdata: string | undefined, ref: string | undefined) => {
    if (cdata !== undefined) return cdata;
    if (ref !== undefined) return decodeEntity(ref) ?? m;
    return '';
  });
  return plain
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
