/**
 * Hook priority: handlers run from the highest number to the lowest; equal numbers keep registration order.
 * Any integer is allowed; these names are KiraAI's.
 */
export const Priority = {
  SYS_HIGH: 100,
  HIGH: 50,
  MEDIUM: 0,
  LOW: -50,
  SYS_LOW: -100,
} as const;
export type PriorityName = keyof typeof Priority;
