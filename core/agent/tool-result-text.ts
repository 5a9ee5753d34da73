import path from 'node:path';
import type { Segment } from '../message/index.js';
import type { ToolResult } from './tool.js';

const FOOTER_HEAD =
  '--- Attachments ---\nTool result contains attachments. To send them, use the <file> tag in <msg>, and put ONE of the following paths inside each <file> tag:';

/**
 * What the model reads as a tool's answer (KiraAI's `assemble_result`): the text, then, when there are
 * attachments, a footer listing where each one is. Attachments are not sent by themselves: the model sends
 * them by writing the path in a `<file>` tag. Files under `dataDir` are listed as `data/…`, the form the
 * `<file>` tag resolves against the data directory.
 *
 * @example
 * toolResultText({ text: 'drawn', attachments: [{ type: 'image', path: '/srv/data/cat.png' }] }, '/srv/data')
 * // 'drawn\n--- Attachments ---\nTool result contains attachments. …\ndata/cat.png'
 */
export function toolResultText(result: ToolResult, dataDir: string): string {
  const places = result.attachments.map((a) => attachmentPlace(a, dataDir)).filter((p): p is string => p !== undefined);
  if (places.length === 0) return result.text;
  return `${result.text === '' ? '' : `${result.text}\n`}${FOOTER_HEAD}\n${places.join('\n')}`;
}

/** Where the model can point a `<file>` tag: a local file first (it needs no download), else a URL. */
function attachmentPlace(segment: Segment, dataDir: string): string | undefined {
  if (!('url' in segment || 'path' in segment)) return undefined;
  const media = segment as { url?: string | undefined; path?: string | undefined };
  if (media.path) return dataRelative(media.path, dataDir);
  // Inline content (`base64://`, `data:`) would flood the prompt and cannot be written back into a tag.
  if (media.url && !/^(base64|data):/i.test(media.url)) return media.url;
  return undefined;
}

function dataRelative(file: string, dataDir: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(path.resolve(dataDir), absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return absolute;
  return `data/${relative.split(path.sep).join('/')}`;
}

/**
 * A tool's return value as a `ToolResult`: a string is the text, a `ToolResult` stays as it is, `undefined`
 * is an empty text, anything else is written as JSON (KiraAI `str()`-ed it; JSON is what models read best).
 */
export function toToolResult(value: unknown): ToolResult {
  if (value === undefined) return { text: '', attachments: [] };
  if (typeof value === 'string') return { text: value, attachments: [] };
  if (isToolResult(value)) return { text: value.text, attachments: value.attachments ?? [] };
  return { text: jsonText(value), attachments: [] };
}

/** `{ text, attachments? }` and nothing else: a data object that merely has a `text` field stays data. */
function isToolResult(value: unknown): value is { text: string; attachments?: Segment[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.text !== 'string') return false;
  if (v.attachments !== undefined && !Array.isArray(v.attachments)) return false;
  return Object.keys(v).every((k) => k === 'text' || k === 'attachments');
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    // A cycle cannot be written as JSON; the plain string form still tells the model something.
    return String(value);
  }
}
