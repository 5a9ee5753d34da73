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
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    if (name === undefined) continue;
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    if (filename !== undefined) uploads[name] = { filename, size: Buffer.byteLength(content, 'latin1') };
    else fields[name] = Buffer.from(content, 'latin1').toString('utf8');
  }
  const decoded = decodeFields(fields);
  // grammY names the upload `attach://<id>` in the field and sends the bytes under `<id>`.
  for (const [key, value] of Object.entries(decoded)) {
    if (typeof value === 'string' && value.startsWith('attach://')) decoded[key] = uploads[value.slice('attach://'.length)] ?? value;
  }
  return decoded;
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
