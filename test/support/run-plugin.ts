import { z } from 'zod';
import type { Plugin } from '../../core/plugin/index.js';
import { makePlugin } from './plugins.js';

/**
 * A plugin whose `work` entry, started as a run, reports half its progress and then waits until it is
 * canceled: a run to watch and cancel, with no clock in the test.
 */
export function halfwayPlugin(): Plugin {
  const p = makePlugin({ name: 'Halfway', moduleName: 'halfway' });
  p.entry('work', { description: 'Goes half way, then waits to be canceled', input: z.object({ label: z.string().min(1), steps: z.number().int().min(1) }) }, async ({ label }, call) => {
    await call.run?.progress(0.5, { stage: 'half way', message: label });
    await new Promise((resolve) => (call.signal.aborted ? resolve(undefined) : call.signal.addEventListener('abort', resolve, { once: true })));
    return { stopped: true };
  });
  return p;
}
