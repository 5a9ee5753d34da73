import type { IncomingMessage } from 'node:http';

/** A file the bot uploaded in a multipart request. */
export interface UploadedFile {
  /** The form field, `files[0]` … */
  field: string;
  name: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

/** A request body as Discord reads it: JSON, or multipart with `payload_json` and `files[n]`. */
export interface ReadBody {
  json: unknown;
  files: UploadedFile[];
  contentType: string | undefined;
}

export async function readBody(req: IncomingMessage): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const contentType = req.headers['content-type'];
  if (raw.length === 0) return { json: undefined, files: [], contentType };
  if (contentType?.startsWith('multipart/form-data')) {
    // The platform's own multipart parser (undici's, behind Response): no hand-written one in the fake.
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const files: UploadedFile[] = [];
    let json: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value);
        continue;
      }
      const bytes = Buffer.from(await value.arrayBuffer());
      files.push({ field, name: value.name, contentType: value.type, size: bytes.length, bytes });
    }
    return { json, files, contentType };
  }
  return { json: JSON.parse(raw.toString('utf8')) as unknown, files: [], contentType };
}
