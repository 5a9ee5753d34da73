/** Who may run a command, lowest to highest (Nekro's `CommandPermission`). */
export const CommandPermission = {
  PUBLIC: 'public',
  USER: 'user',
  ADVANCED: 'advanced',
  SUPER_USER: 'super_user',
} as const;
export type CommandPermission = (typeof CommandPermission)[keyof typeof CommandPermission];

const RANK: Record<CommandPermission, number> = { public: 0, user: 1, advanced: 2, super_user: 3 };

export function isCommandPermission(value: unknown): value is CommandPermission {
  return typeof value === 'string' && value in RANK;
}

/** Whether a caller holding `held` may run a command that needs `needed`. */
export function permits(held: CommandPermission, needed: CommandPermission): boolean {
  return RANK[held] >= RANK[needed];
}

/** A platform's view of the sender in a group, as adapters report it. */
export type PlatformRole = 'owner' | 'admin' | 'member';

/**
 * The level a caller holds: super users from `SUPER_USERS` (`adapter:userId`), group owners and admins as
 * reported by the platform are ADVANCED, a level granted and stored for the user, else USER.
 */
export function callerLevel(input: { adapter: string; userId: string; role?: PlatformRole | undefined; granted?: CommandPermission | undefined; superUsers: ReadonlySet<string> }): CommandPermission {
  // Asked for every command: with no super users configured, no key is built.
  if (input.superUsers.size > 0 && input.superUsers.has(`${input.adapter}:${input.userId}`)) return CommandPermission.SUPER_USER;
  const fromRole = input.role === 'owner' || input.role === 'admin' ? CommandPermission.ADVANCED : CommandPermission.USER;
  // A stored grant never makes a super user: only configuration does (Nekro stores at most ADVANCED).
  const granted = input.granted === CommandPermission.SUPER_USER ? CommandPermission.ADVANCED : input.granted;
  return granted && RANK[granted] > RANK[fromRole] ? granted : fromRole;
}
