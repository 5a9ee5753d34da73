#!/usr/bin/env node
/**
 * The `nekomata` command: `nekomata start` runs the bot, `nekomata new plugin <name>` writes a plugin folder,
 * `--help` and `--version` say what they say. Besides the console adapter, the only place that writes to the
 * terminal directly: before the logger exists, a bad setting or a wrong command is reported here.
 */
import { parseArgs } from 'node:util';
import { startBot } from './start.js';
import { newPlugin } from './scaffold/index.js';
import { packageVersion } from '../core/runtime/index.js';

const HELP = `Usage: nekomata <command>

Commands:
  start                    run the bot with the settings in the environment and ./.env (the default)
  new plugin <name> [--dir <folder>]
                           write a plugin folder: package.json, tsconfig.json, index.ts, a test and a README
Options:
  -h, --help               show this help
  -v, --version            show the version

Settings: see .env.example (https://github.com/nekomata-bot/nekomata#configuration).`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' }, dir: { type: 'string' } },
    });
  } catch (err) {
    process.stderr.write(`nekomata: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return print(HELP);
  if (values.version) return print(packageVersion());
  const [command = 'start', ...rest] = positionals;
  if (command === 'start' && rest.length === 0) return startBot();
  if (command === 'new' && rest[0] === 'plugin' && rest.length === 2) return newPlugin(rest[1]!, values.dir);
  process.stderr.write(`nekomata: unknown command "${positionals.join(' ')}"\n\n${HELP}\n`);
  return 2;
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`nekomata: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
