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
  /** Whether `<file>` may send any readable absolute path, or only `data/…` paths and URLs. */
  allowAbsolutePaths: boolean;
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
  dataDir: './data',
};
