import type { z } from 'zod';
import type { BasePlugin } from './decorators.js';
import type { CustomEventHandler, EntryCall, EntryOptions, LifecycleEvent, LifecycleHandler } from './neko-types.js';
import type { TimerCallback, TimerSchedule } from './plugin.js';

// N.E.K.O's class style (`@plugin_entry`, `@lifecycle`, `@timer_interval`, `@custom_event`) as TypeScript
// standard decorators: each registers the method on the instance when it is constructed, exactly as the
// matching `Plugin` method would, so the registration is the same plain data either way.

type Method<F extends (this: BasePlugin, ...args: any) => any> = (method: F, context: ClassMethodDecoratorContext<BasePlugin, F>) => void;

/**
 * `@entry('id', { description, input })` on a method `(args, call) => result`: `plugin.entry(...)`.
 * @example
 * class Calc extends BasePlugin {
 *   @entry('add', { input: z.object({ a: z.number(), b: z.number() }) })
 *   add({ a, b }: { a: number; b: number }) { return a + b; }
 * }
 */
export function entry<I extends z.ZodType>(id: string, options: EntryOptions<I> = {}): Method<(args: z.output<I>, call: EntryCall) => unknown> {
  return (method, context) => {
    context.addInitializer(function (this: BasePlugin) {
      this.entry(id, options, method.bind(this));
    });
  };
}

/** `@lifecycle('startup')` on a method: `plugin.onLifecycle(...)`. */
export function lifecycle(event: LifecycleEvent): Method<LifecycleHandler> {
  return (method, context) => {
    context.addInitializer(function (this: BasePlugin) {
      this.onLifecycle(event, method.bind(this));
    });
  };
}

/** `@timer('id', { every: 60_000 })` or `@timer('id', { cron: '0 9 * * *' })` on a method: `plugin.timer(...)`. */
export function timer(id: string, schedule: TimerSchedule): Method<TimerCallback> {
  return (method, context) => {
    context.addInitializer(function (this: BasePlugin) {
      this.timer(id, schedule, method.bind(this));
    });
  };
}

/** `@customEvent('type', 'id')` on a method `(payload, event) => …`: `plugin.onCustomEvent(...)`. */
export function customEvent(type: string, id: string): Method<CustomEventHandler> {
  return (method, context) => {
    context.addInitializer(function (this: BasePlugin) {
      this.onCustomEvent(type, id, method.bind(this));
    });
  };
}
