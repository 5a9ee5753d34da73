// Chats with history: the newest entries of the chosen one, and reset.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const time = (ms) => new Date(ms).toLocaleString();

export function Chats() {
  const [chats, setChats] = useState([]);
  const [chat, setChat] = useState(undefined);
  const [history, setHistory] = useState([]);
  const [notice, setNotice] = useState('');
  const load = () => api('/api/chats').then(setChats);
  useEffect(() => void load(), []);
  useEffect(() => {
    if (chat) api(`/api/chats/${encodeURIComponent(chat)}/history?limit=100`).then(setHistory);
  }, [chat]);
  const reset = async () => {
    const r = await api(`/api/chats/${encodeURIComponent(chat)}/reset`, { method: 'POST' });
    setNotice(t('resetDone', { n: r.archived }));
    setHistory([]);
    load();
  };
  return html`<section class="split">
    <ul class="list chats">
      ${chats.length === 0 && html`<li class="muted">${t('noChats')}</li>`}
      ${chats.map((c) => html`<li><button class=${`link ${c.chatKey === chat ? 'active' : ''}`} onClick=${() => setChat(c.chatKey)}>${c.chatKey} <small class="muted">${c.count}</small></button></li>`)}
    </ul>
    ${chat && html`<div class="grow">
      <div class="row"><h2 class="grow">${chat}</h2><button onClick=${reset}>${t('reset')}</button></div>
      ${notice && html`<p class="muted">${notice}</p>`}
      <ol class="history">${history.map((e) => html`<li class=${e.role}><small class="muted">${time(e.time)} ${e.userName}</small><div>${e.text}</div></li>`)}</ol>
    </div>`}
  </section>`;
}
