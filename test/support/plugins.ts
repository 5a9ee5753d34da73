import { z } from 'zod';
import { Plugin, type PluginOptions } from '../../core/plugin/index.js';

let n = 0;

/** A plugin with valid metadata and a module name no other test plugin uses. */
export function makePlugin<S extends z.ZodObject = z.ZodObject>(overrides: Partial<PluginOptions<S>> = {}): Plugin<S> {
  n++;
  return new Plugin<S>({
    name: `Test plugin ${n}`,
    moduleName: `test_plugin_${n}`,
    description: 'a plugin made by a test',
    version: '1.0.0',
    author: 'tester',
    url: 'https://example.invalid/plugin',
    ...overrides,
  } as PluginOptions<S>);
}

/** The built-in chat policy alone, for an app started without the built-in plugin folder (`builtinPluginDirs: []`). */
export { createChatPolicyPlugin as chatPolicy } from '../../plugins/builtin/chat-policy/index.js';
