// English and Chinese. The page follows the browser's language until the user picks one (kept in localStorage).
import { useEffect, useState } from 'preact/hooks';

const TEXTS = {
  en: {
    title: 'Nekomata', login: 'Log in', token: 'Admin token', wrongToken: 'Wrong token', tooMany: 'Too many failed logins: wait and try again',
    logout: 'Log out', dashboard: 'Dashboard', plugins: 'Plugins', commands: 'Commands', chats: 'Chats', logs: 'Logs', webchat: 'Web chat',
    adapters: 'Adapters', state: 'State', received: 'Received', sent: 'Sent', reconnect: 'Reconnect', perMinute: 'Messages per minute',
    errors: 'Errors', uptime: 'Uptime', memory: 'Memory', buffered: 'Buffered', version: 'Version', enabled: 'Enabled', disabled: 'Disabled',
    failed: 'Failed', enable: 'Enable', disable: 'Disable', reload: 'Reload', process: 'process', restarts: 'restarts', config: 'Settings', readme: 'README', save: 'Save', saved: 'Saved',
    run: 'Run', commandPlaceholder: '/echo hello', output: 'Output', history: 'History', reset: 'Reset', resetDone: 'Reset: {n} messages archived',
    noChats: 'No chat has history yet', level: 'Level', pause: 'Pause', resume: 'Resume', user: 'User', room: 'Room', private: 'Private',
    group: 'Group', send: 'Send', messagePlaceholder: 'Say something (in a group, @bot to address the bot)', batch: 'batch of {n} ({reason})',
    runs: 'Runs', bus: 'Bus', startRun: 'Start a run', entry: 'Entry', args: 'Arguments', invalidJson: 'The arguments are not valid JSON',
    cancel: 'Cancel', exports: 'Exports', noRuns: 'No runs yet', topic: 'Topic', type: 'Type', plugin: 'Plugin', text: 'Text', filter: 'Filter',
    status_queued: 'Queued', status_running: 'Running', status_succeeded: 'Succeeded', status_failed: 'Failed', status_canceled: 'Canceled', status_timed_out: 'Timed out',
    permission: 'Permission', language: 'Language', none: 'none', refresh: 'Refresh', loading: 'Loading…',
  },
  zh: {
    title: 'Nekomata', login: '登录', token: '管理令牌', wrongToken: '令牌错误', tooMany: '登录失败次数过多, 请稍后再试',
    logout: '退出', dashboard: '概览', plugins: '插件', commands: '命令', chats: '会话', logs: '日志', webchat: '网页聊天',
    adapters: '适配器', state: '状态', received: '收到', sent: '发出', reconnect: '重新连接', perMinute: '每分钟消息',
    errors: '错误', uptime: '运行时间', memory: '内存', buffered: '缓冲中', version: '版本', enabled: '已启用', disabled: '已禁用',
    failed: '失败', enable: '启用', disable: '禁用', reload: '重载', process: '进程', restarts: '次重启', config: '配置', readme: '说明', save: '保存', saved: '已保存',
    run: '运行', commandPlaceholder: '/echo 你好', output: '输出', history: '历史', reset: '重置', resetDone: '已重置: 归档 {n} 条消息',
    noChats: '还没有会话记录', level: '级别', pause: '暂停', resume: '继续', user: '用户', room: '房间', private: '私聊',
    group: '群聊', send: '发送', messagePlaceholder: '说点什么 (群聊中用 @bot 呼叫机器人)', batch: '批次 {n} 条 ({reason})',
    runs: '任务', bus: '消息总线', startRun: '启动任务', entry: '入口', args: '参数', invalidJson: '参数不是有效的 JSON',
    cancel: '取消', exports: '导出', noRuns: '还没有任务', topic: '主题', type: '类型', plugin: '插件', text: '文本', filter: '筛选',
    status_queued: '排队中', status_running: '运行中', status_succeeded: '已完成', status_failed: '失败', status_canceled: '已取消', status_timed_out: '已超时',
    permission: '权限', language: '语言', none: '无', refresh: '刷新', loading: '加载中…',
  },
};

const browserLang = () => ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');
let lang = localStorage.getItem('nekomata.lang') || browserLang();
const listeners = new Set();

/** The text `key` in the current language, with `{name}` filled from `vars`. */
export function t(key, vars = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

export function setLang(next) {
  lang = next;
  localStorage.setItem('nekomata.lang', next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners) fn(next);
}

/** Re-renders the calling component when the language changes; returns the current one. */
export function useLang() {
  const [current, set] = useState(lang);
  useEffect(() => {
    listeners.add(set);
    return () => listeners.delete(set);
  }, []);
  return current;
}

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
