/** Where a run is: queued → running → succeeded | failed | canceled | timed_out (the last four are final). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'timed_out';

export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out'];

export function isFinal(status: RunStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** One run of an entry, as stored (N.E.K.O's RunRecord). */
export interface RunRecord {
  id: string;
  /** Key of the plugin whose entry runs. */
  plugin: string;
  entry: string;
  args: unknown;
  status: RunStatus;
  /** Who started it: a plugin key, `api`, `command`; undefined when not said. */
  startedBy?: string | undefined;
  createdAt: number;
  updatedAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  /** 0–1; forced to 1 on success. */
  progress: number;
  stage: string;
  message: string;
  metrics: Record<string, number>;
  /** Set once a cancel was asked for, while the entry winds down. */
  cancelRequested?: { reason: string; at: number } | undefined;
  /** What the entry returned, when it succeeded (JSON-safe; otherwise its string form). */
  result?: unknown;
  error?: { code: string; message: string } | undefined;
}

/** What an entry adds to a run's results. */
export type RunExportInput =
  | { type: 'text'; text: string; description?: string }
  | { type: 'url'; url: string; description?: string }
  /** Kept as a file in the plugin's data directory (`runs/<runId>/`); the record holds its path. */
  | { type: 'binary'; data: Uint8Array; mime?: string; name?: string; description?: string };

/** One stored export of a run. */
export type RunExport =
  | { id: string; runId: string; at: number; type: 'text'; text: string; description?: string | undefined }
  | { id: string; runId: string; at: number; type: 'url'; url: string; description?: string | undefined }
  | { id: string; runId: string; at: number; type: 'binary'; path: string; size: number; mime: string; name: string; description?: string | undefined };

/** How far a run got: `run.progress(0.5, { stage: 'download' })`. */
export interface RunProgress {
  stage?: string;
  message?: string;
  metrics?: Record<string, number>;
}

/** What an entry started as a run gets: its id, progress, exports and the signal that says stop. */
export interface RunHandle {
  readonly id: string;
  /** Aborted on cancel (then the run is abandoned after `RUN_CANCEL_GRACE_MS`) and on timeout. */
  readonly signal: AbortSignal;
  /** Sets progress (0–1) and optionally the stage, message and metrics. */
  progress(value: number, details?: RunProgress): Promise<void>;
  /** Adds an export (text, url, binary); resolves with the stored item. */
  export(item: RunExportInput): Promise<RunExport>;
}

export interface RunSettings {
  /** A run not finished after this is `timed_out` (`RUN_TIMEOUT_MS`). */
  timeoutMs: number;
  /** How long a canceled run may take to stop before it is abandoned (`RUN_CANCEL_GRACE_MS`). */
  cancelGraceMs: number;
  /** Finished runs kept, newest first; older ones go with their exports (`RUN_KEEP`). */
  keep: number;
}

/** What starting a run names. */
export interface RunRequest {
  plugin: string;
  entry: string;
  args?: unknown;
  startedBy?: string;
}

/** Runs one entry for a run: the plugin side (validation, time limit, errors) lives behind this. */
export type RunInvoker = (request: { plugin: string; entry: string; args: unknown }, run: RunHandle, timeoutMs: number) => Promise<unknown>;
