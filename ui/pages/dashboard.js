// Adapters and their counters, messages per minute and errors (rates from two reads of the counters), the process.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const POLL_MS = 5000;
const sum = (counters, test) => counters.filter(test).reduce((n, c) => n + c.value, 0);
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
const duration = (ms) => (ms < 3600e3 ? `${Math.floor(ms / 60e3)} min` : `${(ms / 3600e3).toFixed(1)} h`);

export function Dashboard() {
  const [adapters, setAdapters] = useState([]);
  const [system, setSystem] = useState(undefined);
  const [rates, setRates] = useState({ perMinute: 0, errors: 0 });
  const last = useRef(undefined);
  const load = async () => {
    const [a, s, counters] = await Promise.all([api('/api/adapters'), api('/api/system'), api('/api/system/counters')]);
    setAdapters(a);
    setSystem(s);
    const now = { time: Date.now(), messages: sum(counters, (c) => c.name === 'messages_received_total'), errors: sum(counters, (c) => c.name.endsWith('errors_total')) };
    if (last.current) setRates({ perMinute: Math.round(((now.messages - last.current.messages) * 60000) / (now.time - last.current.time)), errors: now.errors });
    else setRates((r) => ({ ...r, errors: now.errors }));
    last.current = now;
  };
  useEffect(() => {
    load().catch(() => undefined);
    const timer = setInterval(() => load().catch(() => undefined), POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const reconnect = (name) => api(`/api/adapters/${encodeURIComponent(name)}/reconnect`, { method: 'POST' }).then(load, () => undefined);
  return html`<section>
    <div class="tiles">
      <div class="tile"><span>${t('perMinute')}</span><b data-testid="per-minute">${rates.perMinute}</b></div>
      <div class="tile"><span>${t('errors')}</span><b>${rates.errors}</b></div>
      ${system && html`<div class="tile"><span>${t('uptime')}</span><b>${duration(system.uptimeMs)}</b></div>
        <div class="tile"><span>${t('memory')}</span><b>${mib(system.memory.rss)}</b></div>
        <div class="tile"><span>${t('buffered')}</span><b>${system.buffer.depth?.buffered ?? '–'}</b></div>
        <div class="tile"><span>${t('version')}</span><b>${system.version}</b></div>`}
    </div>
    <h2>${t('adapters')}</h2>
    <table data-testid="adapters">
      <thead><tr><th></th><th>${t('state')}</th><th>${t('received')}</th><th>${t('sent')}</th><th></th></tr></thead>
      <tbody>${adapters.map((a) => html`<tr data-adapter=${a.name}>
        <td>${a.name}</td><td><span class=${`badge ${a.state}`}>${a.state}</span></td><td>${a.counters.received}</td><td>${a.counters.sent}</td>
        <td>${a.canReconnect && html`<button class="small" onClick=${() => reconnect(a.name)}>${t('reconnect')}</button>`}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
