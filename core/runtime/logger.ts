import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

/**
 * The app's logger. Logs go to stderr so that stdout stays free for the console chat; pretty when stderr
 * is a terminal (or asked for), JSON lines otherwise. Synchronous, so nothing is lost when the process exits.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stderr.isTTY === true);
  const stream = usePretty
    ? pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', singleLine: true })
    : pino.destination({ dest: 2, sync: true });
  return pino({ level: config.logLevel, base: undefined }, stream);
}
