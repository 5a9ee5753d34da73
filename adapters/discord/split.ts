/** Discord refuses message content longer than this. */
export const MAX_CONTENT = 2000;

/** Room kept for a closing fence: a line break and three backticks (more for a longer fence, see below). */
const CLOSE_ROOM = 4;

/**
 * Splits a text into messages of at most `max` characters. A cut goes at the last line break that fits, else
 * the last space, else hard (never inside a surrogate pair); the line break or space at a cut is dropped, as a
 * message boundary shows as one. A cut inside a fenced code block closes the fence at the end of the message
 * and reopens it, with its language, at the start of the next, so every message renders its code as code.
 */
export function splitContent(text: string, max = MAX_CONTENT): string[] {
  const out: string[] = [];
  let reopen = '';
  let rest = text;
  for (;;) {
    const body = reopen + rest;
    if (body.length <= max) {
      if (body.trim() || out.length === 0) out.push(body);
      break;
    }
    // Room is kept for a closing fence, which the chunk needs when it ends inside a code block.
    let cut = cutAt(body, max - CLOSE_ROOM, reopen.length);
    let fence = openFence(cut.head);
    if (fence !== undefined && backticks(fence) > 3) {
      cut = cutAt(body, max - 1 - backticks(fence), reopen.length);
      fence = openFence(cut.head);
    }
    out.push(fence === undefined ? cut.head : `${cut.head}\n${'`'.repeat(backticks(fence))}`);
    reopen = fence === undefined ? '' : `${fence}\n`;
    rest = cut.next;
  }
  return out;
}

/** Where to cut `body` within `limit` characters, never at or before `min` (the reopened fence). */
function cutAt(body: string, limit: number, min: number): { head: string; next: string } {
  const window = body.slice(0, limit + 1);
  const newline = window.lastIndexOf('\n');
  if (newline > min) return { head: body.slice(0, newline), next: body.slice(newline + 1) };
  const space = window.lastIndexOf(' ');
  if (space > min) return { head: body.slice(0, space), next: body.slice(space + 1) };
  const code = body.charCodeAt(limit - 1);
  const hard = code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
  return { head: body.slice(0, hard), next: body.slice(hard) };
}

/** The opening line (```lang) of the code block `text` ends inside, if it does. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s*(```+)(.*)$/.exec(line);
    if (!fence) continue;
    // The language is kept when it looks like one; a long info string is not repeated in every message.
    if (open === undefined) open = `${fence[1]!.slice(0, 10)}${/^[\w+#.-]{1,20}$/.test(fence[2]!.trim()) ? fence[2]!.trim() : ''}`;
    // A fence closes with a line of at least as many backticks and nothing else.
    else if (fence[2]!.trim() === '' && fence[1]!.length >= backticks(open)) open = undefined;
  }
  return open;
}

function backticks(fence: string): number {
  return /^`+/.exec(fence)![0].length;
}
