import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';
import type { LogFeed } from './log-feed.js';

/** A terminal prompt that log lines must not garble: the console adapter's, when it is interactive. */
export interface TerminalPrompt {
  /** Clears the prompt line, runs `print`, and draws the prompt again with what the user had typed. */
  printAbovePrompt(print: () => void): void;
}

/**
 * Fields that may hold a secret if a caller ever logs one (a header, a token): written as `[redacted]`. Nothing
 * of ours logs them; this is the net under that rule.
 */
export const REDACTED_FIELDS = ['token', '*.token', 'authorization', '*.authorization', '*.headers.authorization', 'cookie', '*.cookie', '*.headers.cookie'];

/**
 * The app's logger. Logs go to stderr so that stdout stays free for the console chat; pretty when stderr
 * is a terminal (or asked for), JSON lines otherwise. Synchronous, so nothing is lost when the process exits.
 * With a `prompt` (an interactive console in the same terminal), each line is printed above the prompt, which
 * is then redrawn, instead of over what the user is typing. With a `feed`, every line also goes there, for
 * the admin API's recent and live logs.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, options: { prompt?: TerminalPrompt | undefined; feed?: LogFeed | undefined } = {}): Logger {
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stderr.isTTY === true);
  const stream = usePretty
    ? pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', singleLine: true })
    : pino.destination({ dest: 2, sync: true });
  const prompt = options.prompt;
  const terminal: DestinationStream = prompt ? { write: (line: string) => prompt.printAbovePrompt(() => void stream.write(line)) } : stream;
  const destination = options.feed
    ? pino.multistream([
        { stream: terminal, level: config.logLevel === 'silent' ? 'fatal' : config.logLevel },
        { stream: options.feed, level: 'trace' },
      ])
    : terminal;
  return pino({ level: config.logLevel, base: undefined, redact: { paths: REDACTED_FIELDS, censor: '[redacted]' } }, destination);
}
