// A plugin's settings form, generated from its JSON Schema: one field per property, errors shown by the field.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

/** What a field edits, from its schema: checkbox, number, choice, text, or JSON for lists and objects. */
function kindOf(schema) {
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (schema.enum) return 'enum';
  if (type === 'boolean' || type === 'integer' || type === 'number' || type === 'string') return type;
  return 'json';
}

const show = (kind, value) => (kind === 'json' ? JSON.stringify(value ?? null, null, 2) : value ?? '');

function read(kind, text) {
  if (kind === 'integer' || kind === 'number') return text === '' ? undefined : Number(text);
  if (kind === 'json') return JSON.parse(text);
  return text;
}

export function ConfigForm({ pluginKey }) {
  const [config, setConfig] = useState(undefined);
  const [draft, setDraft] = useState({});
  const [issues, setIssues] = useState({});
  const [status, setStatus] = useState('');
  const load = () => api(`/api/plugins/${encodeURIComponent(pluginKey)}/config`).then((c) => {
    setConfig(c);
    setDraft({});
  });
  useEffect(() => void load(), [pluginKey]);
  if (!config) return html`<p class="muted">${t('loading')}</p>`;
  const properties = config.schema.properties ?? {};
  const save = async (e) => {
    e.preventDefault();
    const values = {};
    const local = {};
    for (const [field, text] of Object.entries(draft)) {
      try {
        values[field] = read(kindOf(properties[field] ?? {}), text);
      } catch (err) {
        local[field] = err.message;
      }
    }
    setIssues(local);
    if (Object.keys(local).length > 0) return;
    try {
      const saved = await api(`/api/plugins/${encodeURIComponent(pluginKey)}/config`, { method: 'PUT', body: { values } });
      setConfig(saved);
      setDraft({});
      setStatus(t('saved'));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setStatus('');
      setIssues(Object.fromEntries(err.issues.map((i) => [i.path.split('.')[0] || '', i.message])));
    }
  };
  return html`<form class="config" onSubmit=${save} data-testid="config-form">
    ${Object.entries(properties).map(([field, schema]) => {
      const kind = kindOf(schema);
      const value = field in draft ? draft[field] : show(kind, config.values[field]);
      const set = (v) => setDraft({ ...draft, [field]: v });
      const input =
        kind === 'boolean'
          ? html`<input type="checkbox" name=${field} checked=${field in draft ? draft[field] : config.values[field]} onChange=${(e) => set(e.target.checked)} />`
          : kind === 'enum'
            ? html`<select name=${field} value=${value} onChange=${(e) => set(e.target.value)}>${schema.enum.map((o) => html`<option value=${o}>${o}</option>`)}</select>`
            : kind === 'json'
              ? html`<textarea name=${field} rows="3" onInput=${(e) => set(e.target.value)}>${value}</textarea>`
              : html`<input type=${kind === 'string' ? 'text' : 'number'} name=${field} value=${value} onInput=${(e) => set(e.target.value)} />`;
      return html`<label class=${issues[field] ? 'invalid' : ''}>
        <span>${field}${schema.description && html`<small>${schema.description}</small>`}</span>
        ${input}
        ${issues[field] && html`<span class="error field-error" data-field=${field}>${issues[field]}</span>`}
      </label>`;
    })}
    ${issues[''] && html`<p class="error">${issues['']}</p>`}
    <button type="submit">${t('save')}</button> <span class="muted" data-testid="config-status">${status}</span>
  </form>`;
}
