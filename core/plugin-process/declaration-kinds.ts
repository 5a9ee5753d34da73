import { isZodSchema, toolParametersSchema, type JsonSchemaObject, type ToolCallContext } from '../agent/index.js';
import type { CommandContext, CommandResponse } from '../command/index.js';
import type { HookEventName } from '../hooks/index.js';
import type { Declaration, EntryCall } from '../plugin/index.js';
import { hookCodec } from './hook-codecs.js';
import type { CallScope } from './rpc.js';
import { NEKO_KINDS, type EntryCallWire } from './neko-kinds.js';

/**
 * The registration-kind table: for each kind of thing a plugin declares, how the plugin's process describes it
 * (`describe`), how the app stands in for it with a declaration whose code is a call (`standIn`), and how the
 * process runs that call on the real one (`run`). Adding a kind of registration (entries, custom events) is
 * adding a row; the channel, the process and the lifecycle stay as they are.
 */

/** A call into the plugin's process: `kind` names the handler there; `label` names the call in errors. */
export type ProcessCall = (kind: string, payload: unknown, opts?: { label?: string; onItem?: (value: unknown) => void; timeoutMs?: number }) => Promise<unknown>;

/** The app's side of one plugin process: calls into it, and the entry calls it is answering (for progress and aborts). */
export interface ProcessLink {
  call: ProcessCall;
  entryCalls: Map<string, EntryCall>;
}

/** What `run` needs in the plugin's process: rebuilding contexts that send through the app, and running an entry call. */
export interface ChildSide {
  readonly pluginKey: string;
  commandContext(wire: CommandContextWire): CommandContext;
  runEntry(d: Of<'entry'>, call: EntryCallWire): Promise<unknown>;
}

export type CommandContextWire = Omit<CommandContext, 'send' | 'log'>;

type Kind = Declaration['kind'];
type Of<K extends Kind> = Extract<Declaration, { kind: K }>;

export interface KindRow<K extends Kind, W> {
  describe(d: Of<K>, pluginKey: string): W;
  standIn(w: W, ref: number, link: ProcessLink): Of<K>;
  run(d: Of<K>, payload: any, scope: CallScope, child: ChildSide): Promise<unknown>;
}

export interface HookWire { event: string; priority: number; eventName?: string | undefined }
export interface CommandWire { options: Of<'command'>['options'] }
export interface ToolWire { name: string; description: string; parameters: JsonSchemaObject; kind?: string | undefined }
export interface TagWire { name: string; description: string; parent?: 'msg' | 'root' | undefined }

const hook: KindRow<'hook', HookWire> = {
  describe: (d, pluginKey) => {
    hookCodec(d.event, pluginKey);
    return { event: d.event, priority: d.priority, eventName: d.eventName };
  },
  standIn: (w, ref, { call }) => {
    const codec = hookCodec(w.event, '');
    const handler = async (...args: unknown[]): Promise<unknown> => {
      const outcome = await call('declaration', { ref, payload: codec.encode(args) }, { label: `hook ${w.event}` });
      codec.apply(args, outcome);
      return undefined;
    };
    return { kind: 'hook', event: w.event as HookEventName, priority: w.priority, eventName: w.eventName, handler };
  },
  run: async (d, payload) => {
    const codec = hookCodec(d.event, '');
    const args = codec.decode(payload);
    await (d.handler as (...a: unknown[]) => unknown)(...args);
    return codec.outcome(args);
  },
};

const command: KindRow<'command', CommandWire> = {
  describe: (d) => ({ options: d.options }),
  // Every stand-in streams: a handler that returns one response yields it once, which the executor treats alike.
  standIn: (w, ref, { call }) => ({
    kind: 'command',
    options: w.options,
    handler: (ctx, args) => streamed(call, ref, { ctx: commandContextWire(ctx), args }, `command ${w.options.name}`),
  }),
  run: async (d, payload: { ctx: CommandContextWire; args: never }, scope, child) => {
    const result = d.handler(child.commandContext(payload.ctx), payload.args);
    if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
      for await (const response of result as AsyncIterable<CommandResponse>) scope.item(response);
      return undefined;
    }
    return (await result) ?? undefined;
  },
};

const tool: KindRow<'tool', ToolWire> = {
  describe: (d) => ({ name: d.tool.name, description: d.tool.description, parameters: toolParametersSchema(d.tool), kind: d.tool.kind }),
  standIn: (w, ref, { call }) => ({
    kind: 'tool',
    tool: {
      name: w.name,
      description: w.description,
      parameters: w.parameters,
      ...(w.kind ? { kind: w.kind as never } : {}),
      execute: (args: Record<string, unknown>, ctx: ToolCallContext) =>
        call('declaration', { ref, payload: { args, chatKey: ctx.chatKey, userId: ctx.userId } }, { label: `tool ${w.name}` }) as Promise<string>,
    },
  }),
  run: async (d, payload: { args: Record<string, unknown>; chatKey: string; userId?: string }) => {
    const params = d.tool.parameters;
    const args = isZodSchema(params) ? params.parse(payload.args) : payload.args;
    const ctx: ToolCallContext = { chatKey: payload.chatKey, userId: payload.userId, signal: new AbortController().signal };
    return d.tool.execute(args as Record<string, unknown>, ctx);
  },
};

const tag: KindRow<'tag', TagWire> = {
  describe: (d) => ({ name: d.tag.name, description: d.tag.description, parent: d.tag.parent }),
  standIn: (w, ref, { call }) => ({
    kind: 'tag',
    tag: {
      name: w.name,
      description: w.description,
      ...(w.parent ? { parent: w.parent } : {}),
      handle: (value, ctx) => call('declaration', { ref, payload: { value, ctx } }, { label: `tag ${w.name}` }) as Promise<never>,
    },
  }),
  run: async (d, payload: { value: string; ctx: { chatKey: string; attributes: Record<string, string> } }) => d.tag.handle(payload.value, payload.ctx),
};

export const DECLARATION_KINDS: { [K in Kind]: KindRow<K, any> } = { hook, command, tool, tag, ...NEKO_KINDS };

/** A declaration as it crosses the pipe: its kind and that kind's description. */
export type DeclarationWire = { kind: Kind; wire: unknown };

export function describeDeclaration(d: Declaration, pluginKey: string): DeclarationWire {
  return { kind: d.kind, wire: (DECLARATION_KINDS[d.kind] as KindRow<Kind, unknown>).describe(d as never, pluginKey) };
}

export function standInFor(d: DeclarationWire, ref: number, link: ProcessLink): Declaration {
  return (DECLARATION_KINDS[d.kind] as KindRow<Kind, unknown>).standIn(d.wire, ref, link);
}

export function runDeclaration(d: Declaration, payload: unknown, scope: CallScope, child: ChildSide): Promise<unknown> {
  return (DECLARATION_KINDS[d.kind] as KindRow<Kind, unknown>).run(d as never, payload, scope, child);
}

function commandContextWire(ctx: CommandContext): CommandContextWire {
  const { userId, userName, chatKey, adapter, level, isSuperUser, isAdvancedUser, lang, source } = ctx;
  return { userId, userName, chatKey, adapter, level, isSuperUser, isAdvancedUser, lang, source };
}

/** The responses a command streams from its process, then its final one. */
async function* streamed(call: ProcessCall, ref: number, payload: unknown, what: string): AsyncGenerator<CommandResponse> {
  const items: CommandResponse[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const done = call('declaration', { ref, payload }, { label: what, onItem: (v) => (items.push(v as CommandResponse), wake?.()) }).finally(() => {
    finished = true;
    wake?.();
  });
  done.catch(() => undefined);
  for (;;) {
    while (items.length > 0) yield items.shift()!;
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  const last = (await done) as CommandResponse | undefined;
  if (last) yield last;
}
