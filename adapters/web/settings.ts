import { autoBoolSetting, defineSettings } from '../../core/runtime/index.js';

/** What the web chat takes from the environment: whether it runs. */
export interface WebChatSettings {
  enabled: true;
}

/** `WEB_CHAT`: `auto` (the default) runs it whenever the admin API is served. */
export const webChatSettings = defineSettings({
  name: 'web',
  variables: { WEB_CHAT: autoBoolSetting.default('auto') },
  issues: (v, core) => {
    if (v.WEB_CHAT !== true) return [];
    if (core.HTTP_PORT === undefined) return [[['WEB_CHAT', 'HTTP_PORT'], 'WEB_CHAT=1 needs the HTTP server: set HTTP_PORT (the web chat is served at /, in the Web UI)']];
    if (!core.ADMIN_API) return [[['WEB_CHAT', 'ADMIN_API'], 'WEB_CHAT=1 needs the admin API, whose login guards it: set ADMIN_API=1']];
    return [];
  },
  read: (v, core): WebChatSettings | undefined => (v.WEB_CHAT !== false && core.HTTP_PORT !== undefined && core.ADMIN_API ? { enabled: true } : undefined),
});
