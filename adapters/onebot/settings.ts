import { z } from 'zod';
import { isLoopbackHost } from '../../core/http/index.js';
import { boolSetting, defineSettings, intSetting, listSetting } from '../../core/runtime/index.js';

/** What the OneBot adapter takes from the environment (its options of the same names). */
export interface OneBotSettings {
  wsUrls: string[];
  reverse: { host: string; port: number } | undefined;
  accessToken: string;
  /** Reverse WS on a non-loopback host without a token: allowed only when this is set. */
  allowNoToken: boolean;
  /** A departed reverse-WS account's state is kept this long for its redial. */
  accountGraceMs: number;
  callTimeoutMs: number;
  maxFrameBytes: number;
}

/** The `ONEBOT_*` settings: on when `ONEBOT_WS_URLS` or `ONEBOT_REVERSE_PORT` is set. */
export const oneBotSettings = defineSettings({
  name: 'onebot',
  variables: {
    ONEBOT_WS_URLS: listSetting(z.string().regex(/^wss?:\/\//, 'entries must be ws:// or wss:// URLs')),
    ONEBOT_REVERSE_HOST: z.string().default('127.0.0.1'),
    ONEBOT_REVERSE_PORT: intSetting(0, 65535).optional(),
    ONEBOT_ACCESS_TOKEN: z.string().default(''),
    ONEBOT_ALLOW_NO_TOKEN: boolSetting.default(false),
    ONEBOT_ACCOUNT_GRACE_MS: intSetting(0).default(600_000),
    ONEBOT_CALL_TIMEOUT_MS: intSetting(1).default(30_000),
    ONEBOT_MAX_FRAME_BYTES: intSetting(1024).default(1024 * 1024),
    ONEBOT_QUOTE_COMMAND_REPLIES: boolSetting.default(false),
  },
  // OneBot trusts whoever dials in with the account and user ids they claim (`X-Self-ID`, `user_id`), super
  // users included, so a reverse server others can reach needs the token, unless a firewall keeps strangers out.
  issues: (v) => {
    if (v.ONEBOT_REVERSE_PORT === undefined || v.ONEBOT_ACCESS_TOKEN || v.ONEBOT_ALLOW_NO_TOKEN || isLoopbackHost(v.ONEBOT_REVERSE_HOST)) return [];
    return [[
      ['ONEBOT_ACCESS_TOKEN', 'ONEBOT_ALLOW_NO_TOKEN', 'ONEBOT_REVERSE_HOST'],
      `ONEBOT_REVERSE_HOST=${v.ONEBOT_REVERSE_HOST} lets other machines dial the bot, and without ONEBOT_ACCESS_TOKEN anyone who reaches it can ` +
        'act as any QQ account and any user, super users included: set ONEBOT_ACCESS_TOKEN (the same token as the OneBot implementation), ' +
        'or ONEBOT_ALLOW_NO_TOKEN=1 if a firewall already keeps strangers away from the port',
    ]];
  },
  read: (v): OneBotSettings | undefined =>
    v.ONEBOT_WS_URLS.length > 0 || v.ONEBOT_REVERSE_PORT !== undefined
      ? {
          wsUrls: v.ONEBOT_WS_URLS,
          reverse: v.ONEBOT_REVERSE_PORT === undefined ? undefined : { host: v.ONEBOT_REVERSE_HOST, port: v.ONEBOT_REVERSE_PORT },
          accessToken: v.ONEBOT_ACCESS_TOKEN,
          allowNoToken: v.ONEBOT_ALLOW_NO_TOKEN,
          accountGraceMs: v.ONEBOT_ACCOUNT_GRACE_MS,
          callTimeoutMs: v.ONEBOT_CALL_TIMEOUT_MS,
          maxFrameBytes: v.ONEBOT_MAX_FRAME_BYTES,
        }
      : undefined,
  // `ONEBOT_QUOTE_COMMAND_REPLIES=1` is `COMMAND_ADAPTERS={"onebot":{"quoteReplies":true}}`, unless that says otherwise.
  amend: (config, v) => {
    const adapters = config.commands.adapters;
    if (!v.ONEBOT_QUOTE_COMMAND_REPLIES || adapters.onebot?.quoteReplies !== undefined) return config;
    return { ...config, commands: { ...config.commands, adapters: { ...adapters, onebot: { ...adapters.onebot, quoteReplies: true } } } };
  },
});
