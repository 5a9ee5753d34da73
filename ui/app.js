// The Web UI's shell: the login, the navigation (the page is the URL's hash) and the language switch.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { html } from './html.js';
import { setLang, t, useLang } from './i18n.js';
import { Dashboard } from './pages/dashboard.js';
import { Plugins } from './pages/plugins.js';
import { Commands } from './pages/commands.js';
import { Chats } from './pages/chats.js';
import { Logs } from './pages/logs.js';
import { WebChat } from './pages/webchat.js';
import { Runs } from './pages/runs.js';
import { Bus } from './pages/bus.js';

const PAGES = { dashboard: Dashboard, plugins: Plugins, commands: Commands, chats: Chats, runs: Runs, logs: Logs, bus: Bus, webchat: WebChat };
const pageOf = () => (location.hash.slice(1) in PAGES ? location.hash.slice(1) : 'dashboard');

function Login({ onDone }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('/api/session', { method: 'POST', body: { token } });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 429 ? t('tooMany') : t('wrongToken'));
    }
  };
  return html`<form class="login card" onSubmit=${submit}>
    <h1>${t('title')}</h1>
    <label>${t('token')}<input type="password" name="token" autocomplete="current-password" value=${token} onInput=${(e) => setToken(e.target.value)} /></label>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <button type="submit">${t('login')}</button>
  </form>`;
}

function App() {
  const lang = useLang();
  const [session, setSession] = useState(undefined);
  const [page, setPage] = useState(pageOf());
  const check = () => api('/api/session').then(setSession, () => setSession({ authenticated: false }));
  useEffect(() => {
    check();
    const onHash = () => setPage(pageOf());
    const onLoggedOut = () => setSession((s) => ({ ...s, authenticated: false }));
    window.addEventListener('hashchange', onHash);
    window.addEventListener('nekomata:logged-out', onLoggedOut);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('nekomata:logged-out', onLoggedOut);
    };
  }, []);
  if (!session) return html`<p class="muted">${t('loading')}</p>`;
  if (!session.authenticated) return html`<${Login} onDone=${check} />`;
  const Page = PAGES[page];
  const logout = async () => {
    await api('/api/session', { method: 'DELETE' }).catch(() => undefined);
    check();
  };
  return html`<div class="shell">
    <header>
      <strong>${t('title')}</strong>
      <nav>${Object.keys(PAGES).map((p) => html`<a href="#${p}" class=${p === page ? 'active' : ''} data-page=${p}>${t(p)}</a>`)}</nav>
      <span class="tools">
        <select aria-label=${t('language')} value=${lang} onChange=${(e) => setLang(e.target.value)}>
          <option value="en">English</option><option value="zh">中文</option>
        </select>
        ${session.mode === 'token' && html`<button class="link" onClick=${logout}>${t('logout')}</button>`}
      </span>
    </header>
    <main><${Page} key=${page} /></main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
