import type { Disposer } from '../hooks/index.js';
import { BUS_TOPICS, type BusTopicReader, type BusView, type MessageBus } from './bus-types.js';

/**
 * The reading half of every topic, for a plugin: watches go through `own`, so the plugin's scope stops them
 * when it is disabled or unloaded.
 */
export function busView(bus: MessageBus, own: (dispose: Disposer, what: string) => void): BusView {
  const view = {} as Record<string, BusTopicReader>;
  for (const name of BUS_TOPICS) {
    const topic = bus.topic(name);
    view[name] = {
      getRecent: (query) => topic.getRecent(query),
      watch: (filter, fn) => {
        const dispose = topic.watch(filter, fn);
        own(dispose, `bus watch on ${name}`);
        return dispose;
      },
    };
  }
  return view as BusView;
}
