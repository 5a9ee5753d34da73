import type { Segment } from '../message/index.js';

/** Where a tag handler runs. */
export interface TagContext {
  chatKey: string;
  /** Attributes of the tag element, e.g. `<img src="…">`. */
  attributes: Record<string, string>;
}

/**
 * An XML tag the model may write in its reply (KiraAI's tags): `<name>value</name>` is turned into message
 * segments by `handle`. `parent` names the element it may appear in (default `msg`).
 */
export interface TagDefinition {
  name: string;
  description: string;
  parent?: string;
  handle(value: string, ctx: TagContext): Promise<Segment[]> | Segment[];
}

/** KiraAI's `BaseTag`: a class form of a tag, usually added per request through the `TagSet`. */
export abstract class BaseTag implements TagDefinition {
  abstract readonly name: string;
  abstract readonly description: string;
  readonly parent: string = 'msg';
  abstract handle(value: string, ctx: TagContext): Promise<Segment[]> | Segment[];
}
