import type { Segment } from '../message/index.js';

/** Where a tag handler runs. */
export interface TagContext {
  chatKey: string;
  /** Attributes of the tag element, e.g. `<file type="image">`. */
  attributes: Record<string, string>;
}

/**
 * An XML tag the model may write in its reply (KiraAI's tags): `<name>value</name>` is turned into message
 * segments by `handle`. `parent: 'msg'` (default) puts it inside a `<msg>`; `parent: 'root'` makes it a root
 * tag, written beside the `<msg>` elements, whose segments (if any) leave as a message of their own.
 */
export interface TagDefinition {
  name: string;
  description: string;
  parent?: 'msg' | 'root';
  handle(value: string, ctx: TagContext): Promise<Segment[]> | Segment[];
}

/** KiraAI's `BaseTag`: a class form of a tag, usually added per request through the `TagSet`. */
export abstract class BaseTag implements TagDefinition {
  abstract readonly name: string;
  abstract readonly description: string;
  readonly parent: 'msg' | 'root' = 'msg';
  abstract handle(value: string, ctx: TagContext): Promise<Segment[]> | Segment[];
}
