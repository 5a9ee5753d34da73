/**
 * Most characters of one tool result the model reads: a tool that returns a whole web page or log would
 * otherwise fill the context and, remembered, every later request (Nekro elides sandbox output the same way).
 */
export const TOOL_RESULT_MAX_CHARS = 12_000;

/** The head and tail of a long text, with how much was left out between them. */
export function clipped(text: string, max = TOOL_RESULT_MAX_CHARS): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 60) / 2);
  return `${text.slice(0, keep)}\n[… ${text.length - 2 * keep} characters left out …]\n${text.slice(-keep)}`;
}

/**
 * Most characters of one chat message the model reads: a pasted book would otherwise cost a fortune per
 * request and crowd out the conversation.
 */
export const CHAT_MESSAGE_MAX_CHARS = 4_000;
