import type { Lang } from './i18n.js';

/** Every text the command system itself says, in each language. `{name}` marks a parameter. */
const TEXTS = {
  notFound: { en_US: 'Unknown command: {name}', zh_CN: '未知命令: {name}' },
  didYouMean: { en_US: 'Did you mean: {names}?', zh_CN: '你是不是想用: {names}?' },
  ambiguous: { en_US: 'Command {name} is ambiguous, use a full name: {names}', zh_CN: '命令 {name} 有歧义, 请使用全名: {names}' },
  disabled: { en_US: 'Command disabled: {name}', zh_CN: '命令已禁用: {name}' },
  unauthorized: { en_US: 'Permission denied: {name} needs {level}', zh_CN: '权限不足: {name} 需要 {level} 权限' },
  invalidArgs: { en_US: 'Invalid argument: {message}', zh_CN: '参数错误: {message}' },
  usage: { en_US: 'Usage: {usage}', zh_CN: '用法: {usage}' },
  failed: { en_US: 'Command failed: {message}', zh_CN: '命令执行出错: {message}' },
  noResponse: { en_US: 'The command gave no response', zh_CN: '命令无响应' },
  waitTimeout: { en_US: 'Timed out, cancelled', zh_CN: '操作超时，已取消' },
  options: { en_US: 'Options: {options}', zh_CN: '可选: {options}' },
  optionsTitle: { en_US: 'Options:', zh_CN: '可选:' },
  helpTitle: { en_US: 'Commands you can use (prefix {prefix}):', zh_CN: '可用命令 (前缀 {prefix}):' },
  helpFooter: { en_US: 'Send {prefix}help <command> for details.', zh_CN: '发送 {prefix}help <命令> 查看详情。' },
  helpArgs: { en_US: 'Arguments:', zh_CN: '参数:' },
  helpAliases: { en_US: 'Aliases: {aliases}', zh_CN: '别名: {aliases}' },
  helpPermission: { en_US: 'Permission: {level}', zh_CN: '权限: {level}' },
  required: { en_US: 'required', zh_CN: '必填' },
  defaultIs: { en_US: 'default {value}', zh_CN: '默认 {value}' },
} as const satisfies Record<string, Record<Lang, string>>;

export type TextKey = keyof typeof TEXTS;

/** A built-in text in `lang` with its `{parameters}` filled in. */
export function text(key: TextKey, lang: Lang, params: Record<string, string | number> = {}): string {
  return TEXTS[key][lang].replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export const LEVEL_NAMES: Record<string, Record<Lang, string>> = {
  public: { en_US: 'public', zh_CN: '公开' },
  user: { en_US: 'user', zh_CN: '用户' },
  advanced: { en_US: 'advanced', zh_CN: '高级' },
  super_user: { en_US: 'super user', zh_CN: '超级用户' },
};
