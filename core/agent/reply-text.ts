import type { TagSet } from './llm.js';
import { plainReply, type ParsedReply, type ReplyFormat, type ReplyParse } from './reply-format.js';

const INSTRUCTIONS = [
  '## Reply format',
  'Write your reply as plain text: everything you write is sent to the chat as one message, exactly as written.',
  'Do not use XML or other markup to structure it. To stay silent, reply with nothing at all.',
].join('\n');

function textReply(text: string): ParsedReply {
  return plainReply([text.trim()]);
}

/**
 * Plain-text mode, for models that cannot follow the XML protocol: the whole reply (trimmed) is one text
 * message, an empty reply is silence, and parsing never fails. Tags are not offered: there is no syntax for them.
 */
export const textReplyFormat: ReplyFormat = {
  name: 'text',
  instructions(_tags: TagSet): string {
    return INSTRUCTIONS;
  },
  parse(text: string): Promise<ReplyParse> {
    return Promise.resolve({ ok: true, reply: textReply(text) });
  },
  fallback: textReply,
};
