import type { z } from 'zod';
import type { JsonSchemaObject, TagContext, ToolCallContext, ToolResult } from '../agent/index.js';
import type { HookEventName, HookEvents } from '../hooks/index.js';
import type { Segment } from '../message/index.js';
import { Plugin, type HookRegistration, type PluginOptions } from './plugin.js';

/**
 * KiraAI's class style: extend `BasePlugin` and decorate methods with `@on.<event>()`, `@register.tool()`
 * and `@register.tag()` (TypeScript standard decorators). The methods are registered on the instance when
 * it is constructed, exactly as if `plugin.on(...)` had been called; everything else is `Plugin`.
 * @example
 * class Greeter extends BasePlugin {
 *   constructor() { super({ name: 'Greeter', moduleName: 'greeter', description: '', version: '1.0.0', author: 'me', url: '' }); }
 *   @on.im_message({ priority: Priority.HIGH })
 *   async onMessage(event: MessageEvent) { if (event.message.text === 'hi') event.trigger(); }
 * }
 * export default new Greeter();
 */
export abstract class BasePlugin<S extends z.ZodObject = z.ZodObject> extends Plugin<S> {
  constructor(options: PluginOptions<S>) {
    super(options);
  }
}

type HookDecorator<K extends HookEventName> = (
  method: HookEvents[K],
  context: ClassMethodDecoratorContext<BasePlugin, HookEvents[K]>,
) => void;

function hook<K extends HookEventName>(event: K) {
  return (opts: HookRegistration = {}): HookDecorator<K> =>
    (method, context) => {
      context.addInitializer(function (this: BasePlugin) {
        this.on(event, (method as (...a: unknown[]) => unknown).bind(this) as HookEvents[K], opts);
      });
    };
}

/** `@on.<event>({ priority })`: one decorator per hook event. */
export const on = {
  im_message: hook('im_message'),
  message_buffered: hook('message_buffered'),
  im_batch_message: hook('im_batch_message'),
  llm_request: hook('llm_request'),
  llm_response: hook('llm_response'),
  after_xml_parse: hook('after_xml_parse'),
  tool_result: hook('tool_result'),
  step_result: hook('step_result'),
  final_result: hook('final_result'),
  message_sent: hook('message_sent'),
  platform_event: hook('platform_event'),
  channel_reset: hook('channel_reset'),
  custom_event: hook('custom_event'),
  exception: hook('exception'),
} satisfies { [K in HookEventName]: (opts?: HookRegistration) => HookDecorator<K> };

type ToolMethod = (args: Record<string, unknown>, ctx: ToolCallContext) => Promise<string | ToolResult> | string | ToolResult;
type TagMethod = (value: string, ctx: TagContext) => Promise<Segment[]> | Segment[];

/** `@register.tool({...})` and `@register.tag({...})` on plugin methods. */
export const register = {
  tool:
    (def: { name: string; description: string; parameters: JsonSchemaObject | z.ZodType }) =>
    (method: ToolMethod, context: ClassMethodDecoratorContext<BasePlugin, ToolMethod>): void => {
      context.addInitializer(function (this: BasePlugin) {
        this.registerTool({ ...def, execute: method.bind(this) });
      });
    },
  tag:
    (def: { name: string; description: string; parent?: 'msg' | 'root' }) =>
    (method: TagMethod, context: ClassMethodDecoratorContext<BasePlugin, TagMethod>): void => {
      context.addInitializer(function (this: BasePlugin) {
        this.registerTag({ ...def, handle: method.bind(this) });
      });
    },
};
