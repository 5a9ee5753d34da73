/**
 * OneBot v11 wire types (reference onebot11.md). Values from the wire are validated with zod where they
 * enter (events.ts, api.ts); these are the shapes after validation.
 */

/** A message segment in array form: `{ type, data }`; data values are strings on the wire (§3.1). */
export interface OneBotSegment {
  type: string;
  data: Record<string, unknown>;
}

/** A message as OneBot carries it: a CQ-code string or an array of segments (§3.1). */
export type OneBotMessage = string | OneBotSegment[];

/** An action request the bot sends (§2.1). */
export interface ActionRequest {
  action: string;
  params: Record<string, unknown>;
  echo: string;
}

/** An action response (§2.1): `status` ok | async | failed, `retcode`, `data`, and the echo back. */
export interface ActionResponse {
  status: 'ok' | 'async' | 'failed';
  retcode: number;
  data: unknown;
  message?: string;
  wording?: string;
  echo?: unknown;
}

/** Every frame that is not a response is an event with a `post_type` (§4). */
export interface OneBotEventBase {
  time: number;
  self_id: number | string;
  post_type: string;
  [key: string]: unknown;
}
