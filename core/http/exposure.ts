import { isLoopbackHost } from './loopback.js';

/**
 * Why the server may not listen where it is asked to, or undefined: secure by default, the admin API and the
 * Web UI are never reachable from other machines without `ADMIN_TOKEN`. Checked when the settings are read
 * and again when the server starts (an app built with a hand-made configuration).
 */
export function exposureProblem(settings: { host: string; admin: { token: string | undefined } | undefined }): string | undefined {
  if (!settings.admin || settings.admin.token !== undefined || isLoopbackHost(settings.host)) return undefined;
  return (
    `HTTP_HOST=${settings.host} can be reached from other machines, and ADMIN_TOKEN is not set: the admin API and Web UI ` +
    'would be open to anyone there. Set ADMIN_TOKEN (at least 16 characters, e.g. `openssl rand -hex 24`), or listen on ' +
    'HTTP_HOST=127.0.0.1 behind a reverse proxy, or turn the admin API off with ADMIN_API=0 (webhooks only)'
  );
}
