import type { IncomingMessage } from 'node:http';

/** An uploaded file part of a multipart body, as the fake records it. */
export interface FakeUpload {
  filename: string;
  size: number;
}

/**
 * Reads a Bot API request body into parameters. The Bot API takes JSON, urlencoded forms, query strings and
 * multipart uploads; grammY sends JSON unless a payload holds an `InputFile`, then multipart with every
 * non-file field JSON-encoded when it is not a string.
 */
export async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return params;
  if (type.startsWith('application/json')) return { ...params, ...(JSON.parse(body.toString('utf8')) as Record<string, unknown>) };
  if (type.startsWith('application/x-www-form-urlencoded')) return { ...params, ...decodeFields(Object.fromEntries(new URLSearchParams(body.toString('utf8')))) };
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (type.startsWith('multipart/form-data') && boundary) return { ...params, ...readMultipart(body, boundary[1] ?? boundary[2]!) };
  return params;
}

function readMultipart(body: Buffer, boundary: string): Record<string, unknown> {
  const fields: Record<string, string> = {};
  const uploads: Record<string, FakeUpload> = {};
  const text = body.toString('latin1');
  for (const part of text.split(`--${boundary}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const content = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    const name = /[\s;:]name="([^"]*)"/.exec(headers)?.[1];
    if (name === undefined) continue;
    // grammY writes the file name unquoted (`filename=a.png`), browsers quote it.
    const quoted = /filename=(?:"([^"]*)"|([^;\r\n]+))/.exec(headers);
    const filename = quoted ? (quoted[1] ?? quoted[2]!) : undefined;
    if (filename !== undefined) uploads[name] = { filename, size: Buffer.byteLength(content, 'latin1') };
    else fields[name] = Buffer.from(content, 'latin1').toString('utf8');
  }
  // grammY names the upload `attach://<id>` in the field (or inside a media group's items) and sends the
  // bytes under `<id>`.
  return resolveAttachments(decodeFields(fields), uploads) as Record<string, unknown>;
}

function resolveAttachments(value: unknown, uploads: Record<string, FakeUpload>): unknown {
  if (typeof value === 'string' && value.startsWith('attach://')) return uploads[value.slice('attach://'.length)] ?? value;
  if (Array.isArray(value)) return value.map((v) => resolveAttachments(v, uploads));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAttachments(v, uploads)]));
  return value;
}

function decodeFields(fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    try {
      out[key] = /^[[{"\d-]|^true$|^false$|^null$/.test(value) ? JSON.parse(value) : value;
    } catch {
      out[key] = value;
    }
  }
  return out;
}
