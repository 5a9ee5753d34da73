import { z } from 'zod';

/**
 * The platform-neutral pieces a message is made of. Adapters convert their platform's elements to these
 * and back; a platform element with no neutral equivalent travels as `raw` so nothing is lost on a round trip.
 */

const media = {
  /** Where the content can be fetched: `http(s)://`, `file://`, or `base64://`. */
  url: z.string().optional(),
  /** Local path of a copy already on disk. */
  path: z.string().optional(),
  /** File name shown to users. */
  name: z.string().optional(),
  mime: z.string().optional(),
  /** Size in bytes, when the platform tells. */
  size: z.number().int().nonnegative().optional(),
  /** Platform file id, for platforms that let you resend by id (Telegram `file_id`, OneBot `file`). */
  fileId: z.string().optional(),
};

export const textSegment = z.object({ type: z.literal('text'), text: z.string() });
/** A mention; `userId: 'all'` mentions everybody. */
export const atSegment = z.object({ type: z.literal('at'), userId: z.string().min(1), name: z.string().optional() });
export const imageSegment = z.object({ type: z.literal('image'), ...media, summary: z.string().optional() });
export const audioSegment = z.object({ type: z.literal('audio'), ...media, durationSec: z.number().optional() });
export const videoSegment = z.object({ type: z.literal('video'), ...media, durationSec: z.number().optional() });
export const fileSegment = z.object({ type: z.literal('file'), ...media });
/** A quote of an earlier message; `userId`/`text` describe it when the platform includes them. */
export const replySegment = z.object({
  type: z.literal('reply'),
  messageId: z.string().min(1),
  userId: z.string().optional(),
  text: z.string().optional(),
});
/** A platform emoji/sticker face by its platform id. */
export const faceSegment = z.object({ type: z.literal('face'), id: z.string().min(1), name: z.string().optional() });

/**
 * Choices offered to the user. Platforms with buttons show them (Telegram: an inline keyboard; pressing one
 * sends its `value` as the presser's message); the others show one text line, `title` then the labels.
 */
export const buttonsSegment = z.object({
  type: z.literal('buttons'),
  buttons: z.array(z.object({ label: z.string().min(1), value: z.string() })).min(1),
  /** What the choices are, put before them where they are shown as text; default `Options:`. */
  title: z.string().optional(),
  /** Only this user may choose (the user a command waits for); presses by others are refused. */
  userId: z.string().optional(),
});

/** One message inside a forwarded bundle. */
export interface ForwardNode {
  userId: string;
  userName: string;
  segments: Segment[];
  time?: number | undefined;
}
export const forwardNode: z.ZodType<ForwardNode> = z.lazy(() =>
  z.object({
    userId: z.string(),
    userName: z.string(),
    segments: z.array(segment),
    time: z.number().optional(),
  }),
);
/** A forwarded bundle: by platform id (fetch lazily) and/or with its messages inline. */
export const forwardSegment = z.object({
  type: z.literal('forward'),
  id: z.string().optional(),
  nodes: z.array(forwardNode).optional(),
});
/** A platform element kept as the platform gave it, so it can be sent back unchanged. */
export const rawSegment = z.object({
  type: z.literal('raw'),
  platform: z.string().min(1),
  kind: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});

export const segment = z.discriminatedUnion('type', [
  textSegment,
  atSegment,
  imageSegment,
  audioSegment,
  videoSegment,
  fileSegment,
  replySegment,
  faceSegment,
  buttonsSegment,
  forwardSegment,
  rawSegment,
]);

export type TextSegment = z.infer<typeof textSegment>;
export type AtSegment = z.infer<typeof atSegment>;
export type ImageSegment = z.infer<typeof imageSegment>;
export type AudioSegment = z.infer<typeof audioSegment>;
export type VideoSegment = z.infer<typeof videoSegment>;
export type FileSegment = z.infer<typeof fileSegment>;
export type ReplySegment = z.infer<typeof replySegment>;
export type FaceSegment = z.infer<typeof faceSegment>;
export type ButtonsSegment = z.infer<typeof buttonsSegment>;
export type ForwardSegment = { type: 'forward'; id?: string | undefined; nodes?: ForwardNode[] | undefined };
export type RawSegment = z.infer<typeof rawSegment>;
export type Segment =
  | TextSegment
  | AtSegment
  | ImageSegment
  | AudioSegment
  | VideoSegment
  | FileSegment
  | ReplySegment
  | FaceSegment
  | ButtonsSegment
  | ForwardSegment
  | RawSegment;
export type SegmentType = Segment['type'];

/** Shorthand constructors, so adapters and plugins read plainly: `seg.text('hi')`, `seg.at('123')`. */
export const seg = {
  text: (text: string): TextSegment => ({ type: 'text', text }),
  at: (userId: string, name?: string): AtSegment => (name === undefined ? { type: 'at', userId } : { type: 'at', userId, name }),
  image: (url: string, extra: Omit<ImageSegment, 'type' | 'url'> = {}): ImageSegment => ({ type: 'image', url, ...extra }),
  file: (url: string, extra: Omit<FileSegment, 'type' | 'url'> = {}): FileSegment => ({ type: 'file', url, ...extra }),
  reply: (messageId: string): ReplySegment => ({ type: 'reply', messageId }),
  face: (id: string): FaceSegment => ({ type: 'face', id }),
  /** Choices whose labels are their values: `seg.buttons(['tea', 'coffee'])`. */
  buttons: (values: readonly string[], extra: Omit<ButtonsSegment, 'type' | 'buttons'> = {}): ButtonsSegment => ({
    type: 'buttons', buttons: values.map((v) => ({ label: v, value: v })), ...extra,
  }),
};
