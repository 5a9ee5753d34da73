import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BusTopic } from '../bus/index.js';
import { NekomataError, toError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { RunStore } from './run-store.js';
import { isFinal, type RunExport, type RunExportInput, type RunHandle, type RunInvoker, type RunProgress, type RunRecord, type RunSettings, type RunStatus } from './run-types.js';

/** A progress outside 0–1, or progress or an export on a run that is not running. */
export class RunStateError extends NekomataError {
  constructor(message: string) {
    super('RUN_STATE', message);
  }
}

export interface RunDeps {
  store: RunStore;
  runsTopic: BusTopic;
  exportsTopic: BusTopic;
  log: Logger;
  metrics: Metrics;
  settings: RunSettings;
  invoke: RunInvoker;
  /** Folder for a run's binary exports: inside the plugin's data directory. */
  blobDir(plugin: string, runId: string): string;
}

/** The run being executed in this process: how to cancel it. */
export interface ActiveRun {
  cancel(reason: string): void;
}

type Outcome = { status: RunStatus; result?: unknown; error?: { code: string; message: string } };

/**
 * Executes one run in this process: queued → running, the entry with a `RunHandle`, then one final state.
 * Every change is written in order (one write chain per run) and published on the `runs` topic.
 */
export async function executeRun(deps: RunDeps, id: string, active: Map<string, ActiveRun>, external?: AbortSignal): Promise<RunRecord | undefined> {
  const record = await deps.store.get(id);
  if (!record || isFinal(record.status)) return record;
  const writer = new RunWriter(deps, record);
  if (record.cancelRequested) return writer.finish({ status: 'canceled' });
  await writer.update({ status: 'running', startedAt: Date.now() });
  const controller = new AbortController();
  let abandon!: () => void;
  const abandoned = new Promise<'abandoned'>((resolve) => (abandon = () => resolve('abandoned')));
  let graceTimer: NodeJS.Timeout | undefined;
  const cancel = (reason: string): void => {
    if (writer.current.cancelRequested) return;
    void writer.update({ cancelRequested: { reason, at: Date.now() } });
    controller.abort(new RunCanceled(reason));
    graceTimer = setTimeout(abandon, deps.settings.cancelGraceMs);
  };
  active.set(id, { cancel });
  const onExternal = (): void => cancel(String(external?.reason ?? 'canceled'));
  external?.addEventListener('abort', onExternal, { once: true });
  const handle = writer.handle(controller.signal);
  try {
    const work = deps.invoke({ plugin: record.plugin, entry: record.entry, args: record.args }, handle, deps.settings.timeoutMs).then(
      (result): Outcome => ({ status: 'succeeded', result }),
      (err: unknown): Outcome => outcomeOf(err),
    );
    const outcome = await Promise.race([work, abandoned]);
    if (outcome === 'abandoned') {
      deps.metrics.count('runs_abandoned_total', { plugin: record.plugin });
      deps.log.warn({ run: id, plugin: record.plugin, entry: record.entry }, `run ${id} ignored its cancel for ${deps.settings.cancelGraceMs} ms and was abandoned`);
      return await writer.finish({ status: 'canceled' });
    }
    // Whatever the entry did once asked to stop, the run was canceled.
    return await writer.finish(writer.current.cancelRequested ? { status: 'canceled' } : outcome);
  } finally {
    clearTimeout(graceTimer);
    external?.removeEventListener('abort', onExternal);
    active.delete(id);
  }
}

class RunCanceled extends Error {
  override name = 'AbortError';
}

function outcomeOf(err: unknown): Outcome {
  const e = toError(err);
  const code = (e as { code?: unknown }).code;
  if (code === 'PLUGIN_TIMEOUT') return { status: 'timed_out', error: { code, message: e.message } };
  return { status: 'failed', error: { code: typeof code === 'string' ? code : 'PLUGIN_EXECUTION', message: e.message } };
}

/** One run's record in this process, written in order. */
class RunWriter {
  current: RunRecord;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: RunDeps, record: RunRecord) {
    this.current = record;
  }

  update(patch: Partial<RunRecord>, type?: string): Promise<void> {
    this.current = { ...this.current, ...patch, updatedAt: Date.now() };
    const snapshot = this.current;
    const publishType = type ?? (patch.status ?? 'update');
    this.chain = this.chain.then(async () => {
      await this.deps.store.put(snapshot);
      this.deps.runsTopic.publish({ type: publishType, plugin: snapshot.plugin, text: snapshot.message, payload: summary(snapshot) });
    });
    return this.chain;
  }

  async finish(outcome: Outcome): Promise<RunRecord> {
    const patch: Partial<RunRecord> = { status: outcome.status, finishedAt: Date.now(), error: outcome.error };
    if (outcome.status === 'succeeded') {
      patch.progress = 1;
      patch.result = jsonSafe(outcome.result);
      if (!this.current.stage) patch.stage = 'done';
      if (!this.current.message) patch.message = 'done';
    }
    await this.update(patch);
    this.deps.metrics.count('runs_finished_total', { plugin: this.current.plugin, status: outcome.status });
    return this.current;
  }

  handle(signal: AbortSignal): RunHandle {
    const id = this.current.id;
    return {
      id,
      signal,
      progress: (value: number, details: RunProgress = {}) => {
        if (!(value >= 0 && value <= 1)) return Promise.reject(new RunStateError(`run progress must be from 0 to 1, got ${String(value)}`));
        if (isFinal(this.current.status)) return Promise.reject(new RunStateError(`run ${id} is ${this.current.status}: progress is no longer taken`));
        const patch: Partial<RunRecord> = { progress: value };
        if (details.stage !== undefined) patch.stage = details.stage.slice(0, 128);
        if (details.message !== undefined) patch.message = details.message.slice(0, 512);
        if (details.metrics !== undefined) patch.metrics = { ...this.current.metrics, ...details.metrics };
        return this.update(patch, 'progress');
      },
      export: (item) => this.addExport(item),
    };
  }

  private async addExport(input: RunExportInput): Promise<RunExport> {
    const { id: runId, plugin } = this.current;
    if (isFinal(this.current.status)) throw new RunStateError(`run ${runId} is ${this.current.status}: exports are no longer taken`);
    const id = randomUUID();
    const base = { id, runId, at: Date.now(), description: input.description };
    let item: RunExport;
    if (input.type === 'binary') {
      const dir = this.deps.blobDir(plugin, runId);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${id}.bin`);
      await fs.promises.writeFile(file, input.data);
      item = { ...base, type: 'binary', path: file, size: input.data.byteLength, mime: input.mime ?? 'application/octet-stream', name: input.name ?? `${id}.bin` };
    } else if (input.type === 'text') item = { ...base, type: 'text', text: input.text };
    else item = { ...base, type: 'url', url: input.url };
    this.chain = this.chain.then(() => this.deps.store.addExport(item));
    await this.chain;
    const text = item.type === 'text' ? item.text : item.type === 'url' ? item.url : item.name;
    this.deps.exportsTopic.publish({ type: item.type, plugin, text, payload: item });
    return item;
  }
}

/** What the `runs` topic carries: the record without its arguments and result, which may be large. */
function summary(r: RunRecord): Record<string, unknown> {
  const { args: _args, result: _result, ...rest } = r;
  return rest;
}

function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}
