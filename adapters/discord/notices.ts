const NOTICES = {
  expired: { en: 'This choice has expired.', zh: '该选项已失效。' },
  not_yours: { en: 'These buttons are for someone else.', zh: '这些按钮不是给你的。' },
  unknown_command: { en: 'This command is not available any more.', zh: '该命令已不可用。' },
  done: { en: 'Done.', zh: '完成。' },
} as const;

/** A short notice of the adapter's own, in the user's Discord locale (`zh-CN`, `en-US`, …). */
export function notice(kind: keyof typeof NOTICES, locale: string | undefined): string {
  return NOTICES[kind][locale?.toLowerCase().startsWith('zh') ? 'zh' : 'en'];
}
