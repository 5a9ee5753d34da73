import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Adapter, AdapterHost, SendResult } from '../../core/adapter/index.js';
import { toError } from '../../core/errors/index.js';
import { createInboundMessage, describeSegments, type ChatKey, type Segment } from '../../core/message/index.js';

export interface ConsoleAdapterOptions {
  input?: Readable;
  output?: Writable;
  /** The local user's id; the chat is `console-private_<userId>`. */
  userId?: string;
  /** Show a prompt and echo like a terminal. Default: whether the input is a TTY. */
  interactive?: boolean;
  /** The local user's role, as a group role would be: `admin` makes commands see an ADVANCED user. */
  role?: 'owner' | 'admin' | 'member';
}

/**
 * Chat with the bot in the terminal: each line is a private message from the local user, replies are
 * printed. With piped input it reads to the end and then reports itself closed, so a script can drive it.
 */
export class ConsoleAdapter implements Adapter {
  readonly name = 'console';
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly userId: string;
  private readonly interactive: boolean;
  private readonly role: 'owner' | 'admin' | 'member' | undefined;
  private rl: readline.Interface | undefined;
  private host: AdapterHost | undefined;
  private lineNo = 0;
  private sent = 0;

  constructor(options: ConsoleAdapterOptions = {}) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.userId = options.userId ?? 'local';
    this.role = options.role;
    this.interactive = options.interactive ?? (this.input as NodeJS.ReadStream).isTTY === true;
  }

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
    const rl = readline.createInterface({ input: this.input, output: this.interactive ? this.output : undefined, terminal: this.interactive });
    this.rl = rl;
    rl.on('line', (line) => this.onLine(line));
    rl.on('close', () => {
      this.rl = undefined;
      host.closed('end of input');
    });
    // readline swallows Ctrl-C in a terminal; hand it to the process so the app shuts down as on SIGINT.
    rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
    if (this.interactive) {
      this.output.write(`Nekomata console: you are "${this.userId}". Type a message; Ctrl-C to quit.\n`);
      rl.setPrompt('you> ');
      rl.prompt();
    }
  }

  /**
   * Prints something that is not a reply (a log line) without garbling the prompt: the prompt line is cleared,
   * `print` runs, and the prompt is drawn again with what the user had typed so far. The CLI hands this to the
   * logger (`createLogger(config, { prompt })`) when the console is interactive.
   */
  printAbovePrompt(print: () => void): void {
    if (!this.interactive || !this.rl) return print();
    readline.clearLine(this.output, 0);
    readline.cursorTo(this.output, 0);
    print();
    this.rl.prompt(true);
  }

  /** Whether the console draws a prompt (a terminal), so log lines need `printAbovePrompt`. */
  get hasPrompt(): boolean {
    return this.interactive;
  }

  async stop(): Promise<void> {
    const rl = this.rl;
    this.rl = undefined;
    rl?.removeAllListeners('close');
    rl?.close();
  }

  async send(_chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    const text = describeSegments(segments);
    if (this.interactive) readline.clearLine(this.output, 0), readline.cursorTo(this.output, 0);
    this.output.write(`bot> ${text}\n`);
    this.rl?.prompt(true);
    return { messageId: `console-out-${++this.sent}` };
  }

  private onLine(line: string): void {
    const text = line.trim();
    if (this.interactive) this.rl?.prompt();
    if (text.length === 0 || !this.host) return;
    const host = this.host;
    const message = createInboundMessage({
      adapter: this.name,
      botId: 'console',
      chatType: 'private',
      chatId: this.userId,
      userId: this.userId,
      userName: this.userId,
      segments: [{ type: 'text', text }],
      messageId: `console-${process.pid}-${Date.now()}-${++this.lineNo}`,
      ...(this.role ? { senderRole: this.role } : {}),
    });
    host.ingest(message).catch((thrown: unknown) => host.log.error({ err: toError(thrown) }, 'console message was not ingested'));
  }
}
export * from './settings.js';
