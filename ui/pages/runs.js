// Runs: start one of a plugin's entries with its arguments (refused by field), watch each run's progress
// live from the bus's `runs` topic, cancel one, and see what it exported.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, listen } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const FINAL = ['succeeded', 'failed', 'canceled', 'timed_out'];

// Arguments to start from: each property the schema requires, with an empty value of its type.
function argsTemplate(schema) {
  const blank = { string: '', integer: 0, number: 0, boolean: false, array: [], object: {} };
  const props = schema?.properties ?? {};
  return JSON.stringify(Object.fromEntries((schema?.required ?? []).map((k) => [k, blank[props[k]?.type] ?? null])), null, 2);
}

function StartForm({ onStarted }) {
  const [entries, setEntries] = useState([]);
  const [chosen, setChosen] = useState('');
  const [args, setArgs] = useState('{}');
  const [error, setError] = useState(undefined);
  useEffect(() => void api('/api/entries').then(setEntries), []);
  const entry = entries.find((e) => `${e.plugin}:${e.id}` === chosen);
  const choose = (value) => {
    setChosen(value);
    setArgs(argsTemplate(entries.find((e) => `${e.plugin}:${e.id}` === value)?.input));
    setError(undefined);
  };
  const start = async (e) => {
    e.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(args || '{}');
    } catch {
      setError({ message: t('invalidJson'), issues: [] });
      return;
    }
    try {
      onStarted(await api('/api/runs', { method: 'POST', body: { plugin: entry.plugin, entry: entry.id, args: parsed } }));
      setError(undefined);
    } catch (err) {
      setError({ message: err.message, issues: err instanceof ApiError ? err.issues : [] });
    }
  };
  return html`<form class="card config start-run" onSubmit=${start}>
    <label>${t('entry')}<select name="entry" value=${chosen} onChange=${(e) => choose(e.target.value)}>
      <option value="">—</option>
      ${entries.map((e) => html`<option value=${`${e.plugin}:${e.id}`}>${e.plugin} · ${e.id}${e.description ? ` — ${e.description}` : ''}</option>`)}
    </select></label>
    <label class=${error ? 'invalid' : ''}>${t('args')} <small>JSON</small><textarea name="args" rows="4" value=${args} onInput=${(e) => setArgs(e.target.value)}></textarea></label>
    ${error && html`<div class="error" role="alert">${error.issues.length === 0 ? error.message : html`<ul data-testid="run-errors">${error.issues.map((i) => html`<li data-field=${i.path}><code>${i.path || '(args)'}</code>: ${i.message}</li>`)}</ul>`}</div>`}
    <div><button type="submit" disabled=${!entry}>${t('startRun')}</button></div>
  </form>`;
}

function Exports({ id }) {
  const [items, setItems] = useState(undefined);
  useEffect(() => void api(`/api/runs/${id}/exports`).then(setItems), [id]);
  if (!items) return null;
  if (items.length === 0) return html`<p class="muted">${t('none')}</p>`;
  return html`<ul>${items.map((x) => html`<li>${x.type === 'url' ? html`<a href=${x.url} rel="noreferrer">${x.url}</a>` : x.type === 'text' ? x.text : `${x.name} (${x.mime}, ${x.size} B)`}${x.description ? html` <small class="muted">${x.description}</small>` : ''}</li>`)}</ul>`;
}

function RunItem({ run, onChange }) {
  const [open, setOpen] = useState(false);
  const final = FINAL.includes(run.status);
  const cancel = async () => onChange(await api(`/api/runs/${run.id}/cancel`, { method: 'POST', body: {} }));
  return html`<li data-run=${run.id}>
    <div class="row wrap">
      <strong class="grow">${run.plugin} · ${run.entry}</strong>
      <span class=${`badge ${run.status}`} data-testid="run-status">${t(`status_${run.status}`)}</span>
      ${!final && html`<button class="small" data-testid="cancel" onClick=${cancel}>${t('cancel')}</button>`}
      <button class="small" onClick=${() => setOpen(!open)}>${t('exports')}</button>
    </div>
    <div class="row">
      <progress max="1" value=${run.progress} data-testid="run-progress"></progress>
      <span data-testid="run-percent">${Math.round(run.progress * 100)}%</span>
      <small class="muted grow">${[run.stage, run.message, run.error?.message].filter(Boolean).join(' · ')}</small>
    </div>
    ${open && html`<${Exports} id=${run.id} />`}
  </li>`;
}

export function Runs() {
  const [runs, setRuns] = useState([]);
  const reload = () => api('/api/runs?limit=50').then(setRuns);
  // The API's answer and the bus's records may arrive in either order: the newer state wins.
  const merge = (changed) => setRuns((rs) => (rs.some((r) => r.id === changed.id)
    ? rs.map((r) => (r.id === changed.id && changed.updatedAt >= r.updatedAt ? { ...r, ...changed } : r))
    : [changed, ...rs]));
  useEffect(() => {
    reload();
    // Every state change and progress of every run comes through the bus's `runs` topic, from any process.
    return listen('/api/bus/runs/stream?limit=0', {
      record: (r) => {
        if (typeof r.payload?.status === 'string' && typeof r.payload?.progress === 'number') merge(r.payload);
        else if (r.type === 'queued' || r.type === 'canceled') reload();
      },
    });
  }, []);
  return html`<section>
    <h2>${t('startRun')}</h2>
    <${StartForm} onStarted=${merge} />
    <h2>${t('runs')}</h2>
    ${runs.length === 0 ? html`<p class="muted">${t('noRuns')}</p>` : html`<ul class="list" data-testid="runs">${runs.map((r) => html`<${RunItem} key=${r.id} run=${r} onChange=${merge} />`)}</ul>`}
  </section>`;
}
