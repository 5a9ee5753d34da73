import path from 'node:path';
import type { Segment } from '../message/index.js';
import { isI18nText, resolveText, type I18nText, type Lang } from './i18n.js';

export type CommandStatus = 'success' | 'error' | 'unauthorized' | 'not_found' | 'invalid_args' | 'disabled' | 'processing' | 'waiting';

/** Rich command output (Nekro's `CommandOutputSegment`). Name and MIME type are inferred from the path. */
export interface OutputSegment {
  type: 'text' | 'image' | 'file';
  text?: string;
  filePath?: string;
  fileName?: string;
  mimeType?: string;
  /** A URL where the Web UI (or a platform) can fetch it. */
  url?: string;
}

export type CommandContent = string | I18nText | OutputSegment[];

/** What a command says, once or several times (streaming). */
export interface CommandResponse {
  status: CommandStatus;
  message: string | I18nText;
  data?: unknown;
  segments?: OutputSegment[];
  /** For `waiting`: the command that receives the user's next message. */
  callbackCmd?: string;
  waitOptions?: string[];
  waitTimeoutSec?: number;
  onTimeoutMessage?: string;
  contextData?: Record<string, unknown>;
}

const MIME: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf', '.txt': 'text/plain', '.md': 'text/markdown', '.json': 'application/json', '.csv': 'text/csv',
  '.zip': 'application/zip', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.wav': 'audio/wav', '.mp4': 'video/mp4', '.webm': 'video/webm',
};

function completeSegment(s: OutputSegment): OutputSegment {
  if (s.type === 'text' || !s.filePath) return s;
  const fileName = s.fileName ?? path.basename(s.filePath);
  return { ...s, fileName, mimeType: s.mimeType ?? MIME[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream' };
}

function respond(status: CommandStatus, content: CommandContent, data?: unknown): CommandResponse {
  if (typeof content === 'string' || isI18nText(content)) return data === undefined ? { status, message: content } : { status, message: content, data };
  const segments = content.map(completeSegment);
  // Nekro: a leading non-empty text segment becomes the message.
  const first = segments[0];
  const message = first?.type === 'text' && first.text ? first.text : '';
  const rest = message ? segments.slice(1) : segments;
  return { status, message, segments: rest, ...(data === undefined ? {} : { data }) };
}

export interface WaitOptions {
  options?: string[];
  /** Seconds; default 60. */
  timeout?: number;
  onTimeoutMessage?: string;
  /** Passed to the callback command as `key:"value"` arguments (escaped). */
  contextData?: Record<string, unknown>;
}

/** Building command responses (Nekro's `CmdCtl`). */
export const CmdCtl = {
  /** The command succeeded (a terminal response). */
  success: (content: CommandContent, data?: unknown): CommandResponse => respond('success', content, data),
  /** The command failed (a terminal response). */
  failed: (content: CommandContent, data?: unknown): CommandResponse => respond('error', content, data),
  /** An intermediate message of a streaming command, sent to the chat at once. */
  message: (content: CommandContent, data?: unknown): CommandResponse => respond('processing', content, data),
  /** Asks the user; their next message in this chat goes to `callbackCmd`. */
  wait: (message: string | I18nText, callbackCmd: string, opts: WaitOptions = {}): CommandResponse => ({
    status: 'waiting',
    message,
    callbackCmd,
    ...(opts.options ? { waitOptions: opts.options } : {}),
    waitTimeoutSec: opts.timeout ?? 60,
    ...(opts.onTimeoutMessage ? { onTimeoutMessage: opts.onTimeoutMessage } : {}),
    ...(opts.contextData ? { contextData: opts.contextData } : {}),
  }),
};

/** The response as chat segments: its text in `lang`, then its images and files. */
export function responseToSegments(response: CommandResponse, lang: Lang): Segment[] {
  const out: Segment[] = [];
  const message = resolveText(response.message, lang);
  if (message) out.push({ type: 'text', text: message });
  for (const s of response.segments ?? []) {
    if (s.type === 'text') {
      if (s.text) out.push({ type: 'text', text: (out.length > 0 ? '\n' : '') + s.text });
      continue;
    }
    const media = { ...(s.url ? { url: s.url } : {}), ...(s.filePath ? { path: s.filePath } : {}), ...(s.fileName ? { name: s.fileName } : {}), ...(s.mimeType ? { mime: s.mimeType } : {}) };
    out.push(s.type === 'image' ? { type: 'image', ...media } : { type: 'file', ...media });
  }
  return out;
}
