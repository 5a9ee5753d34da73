import { isLoopbackHost } from '../http/index.js';

/** The settings the reverse-WS token rule reads, as the config schema has parsed them. */
interface OneBotEnv {
  ONEBOT_REVERSE_HOST: string;
  ONEBOT_REVERSE_PORT?: number | undefined;
  ONEBOT_ACCESS_TOKEN: string;
  ONEBOT_ALLOW_NO_TOKEN: boolean;
}

/**
 * The reverse-WS token rule, as (variables named, message) pairs: OneBot trusts whoever dials in with the
 * account and user ids they claim (`X-Self-ID`, `user_id`), super users included, so a reverse server others
 * can reach needs the token, unless the operator says a firewall already keeps strangers out.
 */
export function oneBotIssues(env: OneBotEnv): [string[], string][] {
  if (env.ONEBOT_REVERSE_PORT === undefined || env.ONEBOT_ACCESS_TOKEN || env.ONEBOT_ALLOW_NO_TOKEN || isLoopbackHost(env.ONEBOT_REVERSE_HOST)) return [];
  return [[
    ['ONEBOT_ACCESS_TOKEN', 'ONEBOT_ALLOW_NO_TOKEN', 'ONEBOT_REVERSE_HOST'],
    `ONEBOT_REVERSE_HOST=${env.ONEBOT_REVERSE_HOST} lets other machines dial the bot, and without ONEBOT_ACCESS_TOKEN anyone who reaches it can ` +
      'act as any QQ account and any user, super users included: set ONEBOT_ACCESS_TOKEN (the same token as the OneBot implementation), ' +
      'or ONEBOT_ALLOW_NO_TOKEN=1 if a firewall already keeps strangers away from the port',
  ]];
}
