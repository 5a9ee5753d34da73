import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../../../adapters/console/index.js';
import type { AdapterHost } from '../../../core/adapter/index.js';
import { Metrics } from '../../../core/metrics/index.js';
import { createLogger } from '../../../core/runtime/index.js';
import { captureLogger } from '../../support/logger.js';
import { until } from '../../support/messages.js';

function host(): AdapterHost {
  return {
    ingest: async () => ({ outcome: 'buffer' }),
    platformEvent: async () => undefined,
    metrics: new Metrics(),
    log: captureLogger().log,
    http: { route: () => () => undefined },
    closed: () => undefined,
  } as AdapterHost;
}

// Terminal control sequences aside, what the screen shows line after line.
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

describe('console prompt and log lines', () => {
  it('prints a log line above the prompt and redraws what the user was typing', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = '';
    output.on('data', (d: Buffer) => (screen += d.toString()));
    const adapter = new ConsoleAdapter({ input, output, interactive: true });
    await adapter.start(host());
    input.write('hel');
    await until(() => plain(screen).endsWith('you> hel'), 'the typed text to be echoed');
    const before = screen.length;
    adapter.printAbovePrompt(() => output.write('LOG: something happened\n'));
    const after = plain(screen.slice(before));
    expect(after).toMatch(/^\r?LOG: something happened\n/);
    expect(after.endsWith('you> hel')).toBe(true);
    await adapter.stop();
  });

  it('the logger hands every line to the prompt when there is one', () => {
    const printed: number[] = [];
    const log = createLogger({ logLevel: 'info', logFormat: 'json' }, { prompt: { printAbovePrompt: () => void printed.push(1) } });
    log.info('one');
    log.warn('two');
    log.debug('below the level');
    expect(printed).toHaveLength(2);
  });
});
