import type { ButtonsSegment, Segment } from './segment.js';

/** The text segments joined, nothing else: what commands and wake words are matched against. */
export function plainText(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) if (s.type === 'text') out += s.text;
  return out;
}

/**
 * A one-line human-readable rendering with every segment described, for logs, history and prompts:
 * `@Alice look [image: cat.png] [reply to 42]`.
 */
export function describeSegments(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    // Choices read as a line of their own, the way a platform shows buttons under a message.
    if (s.type === 'buttons' && out !== '' && !out.endsWith('\n')) out += '\n';
    out += describeSegment(s);
  }
  return out;
}

/** Choices as one text line, `Options: tea / coffee`, for platforms without buttons. */
export function buttonsLine(s: ButtonsSegment): string {
  return `${s.title ?? 'Options:'} ${s.buttons.map((b) => b.label).join(' / ')}`;
}

function describeSegment(s: Segment): string {
  switch (s.type) {
    case 'text':
      return s.text;
    case 'at':
      return s.userId === 'all' ? '@all' : `@${s.name ?? s.userId}`;
    case 'image':
      return `[image${s.summary ? ` ${s.summary}` : ''}${s.name ? `: ${s.name}` : ''}]`;
    case 'audio':
      return `[audio${s.name ? `: ${s.name}` : ''}]`;
    case 'video':
      return `[video${s.name ? `: ${s.name}` : ''}]`;
    case 'file':
      return `[file${s.name ? `: ${s.name}` : ''}]`;
    case 'reply':
      return `[reply to ${s.messageId}${s.text ? `: ${s.text}` : ''}]`;
    case 'face':
      return `[face ${s.name ?? s.id}]`;
    case 'buttons':
      return buttonsLine(s);
    case 'forward':
      return `[forward${s.nodes ? ` of ${s.nodes.length} messages` : ''}]`;
    case 'raw':
      return `[${s.platform}:${s.kind}]`;
  }
}
