import type { ToolDefinition, ToolResult } from '../agent/index.js';
import type { ChatKey } from '../message/index.js';
import type { CommandService } from './command-service.js';
import type { Lang } from './i18n.js';
import type { CommandPermission } from './permission.js';
import { responseToSegments, type OutputSegment } from './response.js';
import { executeCommandTool, exportCommandTools, type MergedToolResult } from './tool-export.js';

export interface CommandAgentToolsOptions {
  chatKey: ChatKey;
  lang: Lang;
  /** Offer only the commands this level may run in the chat; the call itself runs at this level too. */
  level?: CommandPermission | undefined;
}

/**
 * The commands the agent may call in a chat, as tools (§1.4.7 AgentToolExporter): the exported function
 * tools, each running its command through `executeCommandTool`. The model reads the merged result as JSON;
 * images and files the command produced become attachments, which the model may send with `<file>`.
 *
 * @example
 * for (const tool of commandAgentTools(app.commands, { chatKey, lang: 'en_US' })) request.tools.add(tool, 'core.commands');
 */
export function commandAgentTools(service: CommandService, opts: CommandAgentToolsOptions): ToolDefinition[] {
  const { chatKey, lang, level } = opts;
  return exportCommandTools(service.registry.list(), service.overrides, { chatKey, lang, ...(level !== undefined ? { level } : {}) }).map(
    ({ function: fn }) => ({
      name: fn.name,
      description: fn.description,
      // A copy typed as the agent's JSON Schema object (the exporter's interface has no index signature).
      parameters: { ...fn.parameters },
      execute: async (args) =>
        mergedToToolResult(
          await executeCommandTool(service, { toolName: fn.name, arguments: args, chatKey, lang, ...(level !== undefined ? { level } : {}) }),
          lang,
        ),
    }),
  );
}

/** The merged result as JSON for the model; its media segments as attachments, its text segments in `message`. */
export function mergedToToolResult(merged: MergedToolResult, lang: Lang): ToolResult {
  const { segments = [], ...rest } = merged;
  const texts = segments.filter((s) => s.type === 'text' && s.text).map((s) => s.text as string);
  const media: OutputSegment[] = segments.filter((s) => s.type !== 'text');
  const message = [rest.message, ...texts].filter((t) => t !== '').join('\n');
  return {
    text: JSON.stringify({ ...rest, message }),
    attachments: responseToSegments({ status: rest.status, message: '', segments: media }, lang),
  };
}
