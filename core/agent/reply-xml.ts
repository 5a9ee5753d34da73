import { toError } from '../errors/index.js';
import { segment as segmentSchema, type Segment } from '../message/index.js';
import type { MessageChain, TagSet } from './llm.js';
import { MediaRefusedError, plainReply, type ParsedReply, type ReplyContext, type ReplyFormat, type ReplyParse } from './reply-format.js';
import { nestedElementNames, readXml, stripMarkup, textContent, unwrapReply, type XmlNode } from './reply-xml-syntax.js';
import type { TagDefinition } from './tag.js';

/** Why an element was left out; the label of `agent_reply_dropped_total`. */
type DropCause = 'unknown_tag' | 'misplaced' | 'nested' | 'handler_error' | 'invalid_segment' | 'stray_text' | 'extra_reply' | 'empty';

/** The state of one parse: the tags offered and what was left out. */
class ReplyBuilder {
  readonly dropped: ParsedReply['dropped'] = [];

  constructor(
    private readonly tags: TagSet,
    private readonly ctx: ReplyContext,
  ) {}

  drop(tag: string, reason: string, cause: DropCause): void {
    this.dropped.push({ tag, reason });
    this.ctx.metrics?.count('agent_reply_dropped_total', { cause });
  }

  /** A source the bot must not send: an error in the log and a count of its own, not a plain drop. */
  refuse(tag: string, err: MediaRefusedError): void {
    this.dropped.push({ tag, reason: err.message });
    this.ctx.metrics?.count('agent_media_refused_total', { tag, reason: err.reason });
    this.ctx.log.error({ chatKey: this.ctx.chatKey, tag, reason: err.reason, detail: err.message }, 'the reply named a file or URL the bot must not send: element refused');
  }

  /** A tag of the reply, or undefined when `name` is not offered (`msg` is the wrapper, never a tag). */
  tag(name: string): TagDefinition | undefined {
    return name === 'msg' ? undefined : this.tags.get(name);
  }

  /**
   * One child of a `<msg>` (or of a reply written without `<msg>`). Bare text counts as a `<text>`: models
   * often leave the wrapper out, and KiraAI silently losing that text made replies vanish.
   */
  async msgChild(node: XmlNode): Promise<Segment[]> {
    if (node.kind === 'text') {
      const text = node.text.trim();
      if (text === '') return [];
      const textTag = this.tag('text');
      return textTag && textTag.parent !== 'root' ? this.run(textTag, text, {}) : [{ type: 'text', text }];
    }
    const tag = this.tag(node.name);
    if (!tag) {
      this.drop(node.name, 'unknown tag', 'unknown_tag');
      return [];
    }
    if (tag.parent === 'root') {
      this.drop(node.name, 'a root tag: write it beside <msg>, not inside it', 'misplaced');
      return [];
    }
    for (const nested of nestedElementNames(node)) {
      this.drop(nested, `nested inside <${node.name}>: only its text was kept`, 'nested');
    }
    return this.run(tag, textContent(node).trim(), node.attributes);
  }

  /** Calls a tag's handler; a throw or a bad result drops this element only (§2.6 Spec: not the whole reply). */
  async run(tag: TagDefinition, value: string, attributes: Record<string, string>): Promise<Segment[]> {
    let result: unknown;
    try {
      result = await tag.handle(value, { chatKey: this.ctx.chatKey, attributes });
    } catch (err) {
      if (err instanceof MediaRefusedError) {
        this.refuse(tag.name, err);
        return [];
      }
      this.ctx.log.warn({ err, tag: tag.name, chatKey: this.ctx.chatKey }, 'reply tag handler failed: element dropped');
      this.drop(tag.name, toError(err).message, 'handler_error');
      return [];
    }
    // Plugin handlers are JavaScript at run time: accept a lone segment as KiraAI does, check everything.
    const items = Array.isArray(result) ? (result as unknown[]) : result === undefined || result === null ? [] : [result];
    const out: Segment[] = [];
    for (const item of items) {
      const parsed = segmentSchema.safeParse(item);
      if (parsed.success) out.push(parsed.data as Segment);
      else this.drop(tag.name, `handler returned an invalid segment: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`, 'invalid_segment');
    }
    return out;
  }

  /** The reply segment goes first whatever its position (platforms quote only at the start); one per message. */
  finish(segments: Segment[]): MessageChain | undefined {
    const replies = segments.filter((s) => s.type === 'reply');
    const rest = segments.filter((s) => s.type !== 'reply');
    for (let i = 1; i < replies.length; i++) this.drop('reply', 'only one reply per message: the first was kept', 'extra_reply');
    if (rest.length === 0) {
      if (replies.length > 0) this.drop('reply', 'a reply with nothing else to send', 'empty');
      return undefined;
    }
    return replies.length > 0 ? [replies[0]!, ...rest] : rest;
  }
}

/**
 * The top-level nodes as chains, in document order (seed-systems §2.6): each `<msg>` is one chain; root
 * tags add a chain of their own at their position; without any `<msg>` the whole reply is read as one.
 */
async function buildChains(nodes: XmlNode[], b: ReplyBuilder): Promise<MessageChain[]> {
  const chains: MessageChain[] = [];
  const hasMsg = nodes.some((n) => n.kind === 'element' && n.name === 'msg');
  let pending: Segment[] = [];
  const push = (segments: Segment[]): void => {
    const chain = b.finish(segments);
    if (chain) chains.push(chain);
  };
  const flush = (): void => {
    if (pending.length > 0) push(pending);
    pending = [];
  };
  for (const node of nodes) {
    if (node.kind === 'element' && node.name === 'msg') {
      const segments: Segment[] = [];
      for (const child of node.children) segments.push(...(await b.msgChild(child)));
      push(segments);
      continue;
    }
    const tag = node.kind === 'element' ? b.tag(node.name) : undefined;
    if (node.kind === 'element' && tag?.parent === 'root') {
      const segments = await b.run(tag, textContent(node).trim(), node.attributes);
      if (segments.length > 0) {
        flush();
        push(segments);
      }
    } else if (!hasMsg) {
      pending.push(...(await b.msgChild(node)));
    } else if (node.kind === 'text') {
      if (node.text.trim() !== '') b.drop('#text', 'text outside <msg>', 'stray_text');
    } else {
      b.drop(node.name, tag ? 'outside <msg>' : 'unknown tag', tag ? 'misplaced' : 'unknown_tag');
    }
  }
  flush();
  return chains;
}

function tagLines(tags: TagDefinition[]): string {
  return tags.map((t) => `- ${t.description}`).join('\n');
}

function instructions(tags: TagSet): string {
  const all = tags.list().filter((t) => t.name !== 'msg');
  const msgTags = all.filter((t) => t.parent !== 'root');
  const rootTags = all.filter((t) => t.parent === 'root');
  const text = (s: string): string => (tags.has('text') ? `<text>${s}</text>` : s);
  const lines = [
    '## Reply format',
    'Write your reply as XML. Each <msg>…</msg> is one chat message; write several <msg> for several messages, sent in order. Put the tags below inside <msg>.',
    'To stay silent, reply with exactly <msg/> and nothing else.',
    'When you call tools, the <msg> you write with the call is sent before the tools run: say only what is true before their results.',
    'Use only message ids and user ids that appear in the conversation: never invent one. Do not write message_id attributes: the system adds them to your earlier messages.',
    'In text, write & as &amp; and < as &lt;.',
  ];
  if (msgTags.length > 0) lines.push('', 'Tags inside <msg>:', tagLines(msgTags));
  if (rootTags.length > 0) lines.push('', 'Tags written beside <msg>, not inside it:', tagLines(rootTags));
  lines.push('', 'Example:', `<msg>${text('Hello!')}</msg>`, `<msg>${text('A second message.')}</msg>`);
  return lines.join('\n');
}

async function parse(text: string, tags: TagSet, ctx: ReplyContext): Promise<ReplyParse> {
  const body = unwrapReply(text);
  if (body === '') return { ok: true, reply: { chains: [], silent: true, dropped: [] } };
  const read = readXml(body);
  if (!read.ok) return read;
  const builder = new ReplyBuilder(tags, ctx);
  const chains = await buildChains(read.nodes, builder);
  if (builder.dropped.length > 0) ctx.log.debug({ chatKey: ctx.chatKey, dropped: builder.dropped }, 'reply elements dropped');
  return { ok: true, reply: { chains, silent: chains.length === 0, dropped: builder.dropped } };
}

/** Each `<msg>` (and any text around them) as a plain message, markup stripped. */
function fallback(text: string): ParsedReply {
  return plainReply(unwrapReply(text).split(/<\/?msg\b[^<>]*>/).map(stripMarkup));
}

/**
 * KiraAI's XML reply protocol (seed-systems §2.6), more forgiving: stray `&`/`<` are escaped, bare text in
 * `<msg>` is a `<text>`, a reply without `<msg>` is one message, a failing tag drops only itself.
 *
 * @example
 * const r = await xmlReplyFormat.parse('<msg><reply>42</reply><text>yes</text></msg>', tagSet, { chatKey, log });
 * // r.ok && r.reply.chains → [[{type:'reply',messageId:'42'}, {type:'text',text:'yes'}]]
 */
export const xmlReplyFormat: ReplyFormat = { name: 'xml', instructions, parse, fallback };
