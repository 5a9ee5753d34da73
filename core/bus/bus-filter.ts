import type { BusFilter, BusRecord } from './bus-types.js';

/** Whether `record` passes every field of `filter`. */
export function matchesFilter(record: BusRecord, filter: BusFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.plugin !== undefined && record.plugin !== filter.plugin) return false;
  if (filter.chat !== undefined && record.chat !== filter.chat) return false;
  if (filter.type !== undefined) {
    if (typeof filter.type === 'string' ? record.type !== filter.type : !filter.type.includes(record.type)) return false;
  }
  if (filter.since !== undefined && record.ts < filter.since) return false;
  if (filter.until !== undefined && record.ts > filter.until) return false;
  if (filter.text !== undefined) {
    const text = record.text ?? '';
    if (typeof filter.text === 'string' ? !text.includes(filter.text) : !testPattern(filter.text, text)) return false;
  }
  return true;
}

// A global or sticky RegExp keeps lastIndex between test() calls, which would make every other record miss.
function testPattern(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** Default and ceiling of `getRecent`'s limit. */
export function clampLimit(limit: number | undefined, history: number): number {
  if (limit === undefined) return Math.min(50, history);
  if (!Number.isFinite(limit) || limit < 1) return 0;
  return Math.min(Math.floor(limit), history);
}
