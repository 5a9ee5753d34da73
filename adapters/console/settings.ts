import { z } from 'zod';
import { autoBoolSetting, defineSettings } from '../../core/runtime/index.js';

/** What the console adapter takes from the environment. */
export interface ConsoleSettings {
  /** `auto`: on when stdin is a terminal. */
  enabled: boolean | 'auto';
  userId: string;
  /** What the person at the terminal may do. */
  level: 'user' | 'advanced' | 'super_user';
}

/** `CONSOLE`, `CONSOLE_USER`, `CONSOLE_USER_LEVEL`. */
export const consoleSettings = defineSettings({
  name: 'console',
  variables: {
    CONSOLE: autoBoolSetting.default('auto'),
    CONSOLE_USER: z.string().min(1).default('local'),
    CONSOLE_USER_LEVEL: z.enum(['user', 'advanced', 'super_user']).default('super_user'),
  },
  read: (v): ConsoleSettings => ({ enabled: v.CONSOLE, userId: v.CONSOLE_USER, level: v.CONSOLE_USER_LEVEL }),
  // The person at the terminal runs the bot, so by default they may do everything.
  amend: (config, v) => {
    if (v.CONSOLE_USER_LEVEL !== 'super_user') return config;
    const superUsers = [...new Set([...config.commands.superUsers, `console:${v.CONSOLE_USER}`])];
    return { ...config, commands: { ...config.commands, superUsers } };
  },
});
