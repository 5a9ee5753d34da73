// The message bus: a topic's recent records through its filters, then each new one as it is published.
import { useEffect, useState } from 'preact/hooks';
import { listen } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const TOPICS = ['messages', 'events', 'lifecycle', 'runs', 'exports', 'memory'];
const KEPT = 500;

export function Bus() {
  const [topic, setTopic] = useState('lifecycle');
  const [filter, setFilter] = useState({ type: '', plugin: '', text: '' });
  const [applied, setApplied] = useState(filter);
  const [records, setRecords] = useState([]);
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return undefined;
    setRecords([]);
    const query = new URLSearchParams({ limit: '100', ...Object.fromEntries(Object.entries(applied).filter(([, v]) => v)) });
    return listen(`/api/bus/${topic}/stream?${query}`, { record: (r) => setRecords((rs) => [...rs.slice(-(KEPT - 1)), r]) });
  }, [topic, applied, paused]);
  const field = (name) => html`<input name=${name} placeholder=${t(name)} value=${filter[name]} onInput=${(e) => setFilter({ ...filter, [name]: e.target.value })} />`;
  return html`<section>
    <form class="row wrap" onSubmit=${(e) => { e.preventDefault(); setApplied(filter); }}>
      <label>${t('topic')} <select name="topic" value=${topic} onChange=${(e) => setTopic(e.target.value)}>${TOPICS.map((x) => html`<option value=${x}>${x}</option>`)}</select></label>
      ${field('type')}${field('plugin')}${field('text')}
      <button class="small" type="submit">${t('filter')}</button>
      <button class="small" type="button" onClick=${() => setPaused(!paused)}>${paused ? t('resume') : t('pause')}</button>
    </form>
    <pre class="console logs" data-testid="bus">${records.map((r) => html`<div class="line" data-type=${r.type}>${new Date(r.ts).toLocaleTimeString()} ${r.type}${r.plugin ? ` [${r.plugin}]` : ''}${r.chat ? ` (${r.chat})` : ''} ${r.text ?? ''}${r.text ? '' : JSON.stringify(r.payload ?? {})}</div>`)}</pre>
  </section>`;
}
