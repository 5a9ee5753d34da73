import { z } from 'zod';

/**
 * The value types settings are written in, for core's schema and for the settings of adapters and other parts
 * (`SettingsSection`): every variable arrives as a string, so each type parses one. Sharing them keeps one
 * spelling of a number, a flag or a list across every part.
 */

/** A whole decimal number from `min` to `max`: `Number()` would also take '0x10' and '1e3', which nobody means. */
export const intSetting = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^-?\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `expected a number ≥ ${min}`).max(max, `expected a number ≤ ${max}`));

/** `1`/`true` or `0`/`false`. */
export const boolSetting = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** `auto`, or a boolean as `boolSetting`. */
export const autoBoolSetting = z.enum(['auto', '0', '1', 'true', 'false']).transform((v) => (v === 'auto' ? ('auto' as const) : v === '1' || v === 'true'));

/** Comma-separated words, trimmed, empty ones dropped. */
export const splitList = (value: string): string[] => value.split(',').map((w) => w.trim()).filter((w) => w.length > 0);

/** A comma-separated list whose entries each pass `entry`. */
export const listSetting = <T extends z.ZodType<unknown, string>>(entry: T) => z.string().default('').pipe(z.transform(splitList)).pipe(z.array(entry));

/** An http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
