// Plugins: state, enable or disable, reload, and for the one opened, its settings form and README.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ConfigForm } from './config-form.js';

function Detail({ plugin }) {
  const [docs, setDocs] = useState(undefined);
  useEffect(() => void api(`/api/plugins/${encodeURIComponent(plugin.key)}`).then((p) => setDocs(p.docs ?? '')), [plugin.key]);
  return html`<div class="detail">
    ${plugin.hasConfig && html`<h3>${t('config')}</h3><${ConfigForm} pluginKey=${plugin.key} />`}
    ${docs && html`<h3>${t('readme')}</h3><pre class="readme">${docs}</pre>`}
  </div>`;
}

export function Plugins() {
  const [plugins, setPlugins] = useState([]);
  const [open, setOpen] = useState(undefined);
  const [error, setError] = useState('');
  const load = () => api('/api/plugins').then(setPlugins);
  useEffect(() => void load(), []);
  const act = async (key, verb) => {
    setError('');
    await api(`/api/plugins/${encodeURIComponent(key)}/${verb}`, { method: 'POST' }).catch((err) => setError(err.message));
    await load();
  };
  return html`<section>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <ul class="list" data-testid="plugins">
      ${plugins.map((p) => html`<li data-plugin=${p.key}>
        <div class="row">
          <button class="link grow" onClick=${() => setOpen(open === p.key ? undefined : p.key)}><b>${p.name}</b> <small class="muted">${p.key} ${p.version}</small></button>
          <span class=${`badge ${p.state}`} data-testid="state">${t(p.state)}</span>
          ${p.runtime.isolation === 'process' && html`<small class="muted" data-testid="process">${t('process')} ${p.runtime.processState}${p.runtime.pid ? ` · pid ${p.runtime.pid}` : ''} · ${p.runtime.restarts} ${t('restarts')}</small>`}
          ${p.state !== 'failed' && html`<label class="switch"><input type="checkbox" data-testid="toggle" checked=${p.state === 'enabled'} onChange=${() => act(p.key, p.state === 'enabled' ? 'disable' : 'enable')} /></label>`}
          ${p.source && html`<button class="small" onClick=${() => act(p.key, 'reload')}>${t('reload')}</button>`}
        </div>
        <p class="muted">${p.description}${p.disabledBecause ? ` (${p.disabledBecause})` : ''}${p.runtime.lastError ? ` ${p.runtime.lastError.message}` : ''}</p>
        ${open === p.key && html`<${Detail} plugin=${p} />`}
      </li>`)}
    </ul>
  </section>`;
}
