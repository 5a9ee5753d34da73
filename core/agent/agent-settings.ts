/** How the agent behaves; the runtime fills it from `AGENT_*` settings. */
export interface AgentSettings {
  /** The role section of the system prompt. */
  persona: string;
  /** `xml`: the `<msg>` protocol with tags; `text`: the reply is sent as it is written. */
  replyFormat: 'xml' | 'text';
  /** Model rounds per user turn; the last one is told so and gets no tools. */
  maxSteps: number;
  /** Tool calls per user turn; more are answered with a notice. */
  maxToolCalls: number;
  /** Per tool call; 0 = none. */
  toolTimeoutMs: number;
  /** Runs remembered per chat. */
  historyTurns: number;
  /** Estimated tokens of remembered runs sent with a request. */
  historyTokens: number;
  /** Recorded chat messages since the bot's last run shown as context (group chatter); 0 = none. */
  contextMessages: number;
  /** Sent when every model failed; '' = say nothing. */
  errorReply: string;
  /**
   * Whether `<file>` may also send readable absolute paths outside `DATA_DIR`. Either way only files in the
   * media folder and plugin data folders are sent from inside `DATA_DIR` (never the store).
   */
  allowAbsolutePaths: boolean;
  /** Whether media tags may name URLs on private, loopback and link-local addresses (cloud metadata included). */
  allowPrivateUrls: boolean;
  /** Whether the model may mention everybody (`<at>all</at>`, `@everyone`, `@here`). */
  allowMentionAll: boolean;
  /** Characters of text one run may send; the rest is cut with "…". */
  maxReplyChars: number;
  /** Messages one run may send; later ones are not sent. */
  maxMessagesPerRun: number;
  /** Time limit of one run (every model call, tool call and send of a batch); past it the run is abandoned. */
  runTimeoutMs: number;
  /** Where `data/…` paths of `<file>` tags and tool attachments point. */
  dataDir: string;
}

export const DEFAULT_AGENT_SETTINGS: AgentSettings = {
  persona: 'You are a helpful, friendly chat bot. Answer in the language the user writes in. Keep replies short, as people do in chat.',
  replyFormat: 'xml',
  maxSteps: 5,
  maxToolCalls: 5,
  toolTimeoutMs: 60_000,
  historyTurns: 20,
  historyTokens: 6000,
  contextMessages: 20,
  errorReply: '',
  allowAbsolutePaths: false,
  allowPrivateUrls: false,
  allowMentionAll: false,
  maxReplyChars: 6000,
  maxMessagesPerRun: 10,
  runTimeoutMs: 300_000,
  dataDir: './data',
};
