// Talk to the bot as any made-up user, in a private chat or a group room; see each batch and the replies.
import { useEffect, useState } from 'preact/hooks';
import { api, listen } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

export function WebChat() {
  const [userId, setUserId] = useState(localStorage.getItem('nekomata.webchat.user') || 'alice');
  const [type, setType] = useState('private');
  const [room, setRoom] = useState('lobby');
  const [text, setText] = useState('');
  const [events, setEvents] = useState([]);
  const [error, setError] = useState('');
  const chatKey = type === 'private' ? `web-private_${userId}` : `web-group_${room}`;
  useEffect(() => {
    setEvents([]);
    const add = (e) => setEvents((es) => (es.some((x) => x.type === e.type && x.id === e.id && e.id) ? es : [...es, e]));
    return listen(`/api/webchat/events?chatKey=${encodeURIComponent(chatKey)}`, { message: add, reply: add, batch: add });
  }, [chatKey]);
  const send = async (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    setError('');
    localStorage.setItem('nekomata.webchat.user', userId);
    try {
      await api('/api/webchat/messages', { method: 'POST', body: { chat: { type, id: type === 'private' ? userId : room }, userId, text } });
      setText('');
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<section class="webchat">
    <div class="row wrap">
      <label>${t('user')} <input name="user" value=${userId} onInput=${(e) => setUserId(e.target.value.trim() || 'alice')} /></label>
      <select name="type" value=${type} onChange=${(e) => setType(e.target.value)}><option value="private">${t('private')}</option><option value="group">${t('group')}</option></select>
      ${type === 'group' && html`<label>${t('room')} <input name="room" value=${room} onInput=${(e) => setRoom(e.target.value.trim() || 'lobby')} /></label>`}
    </div>
    <ol class="chat" data-testid="chat">
      ${events.map((e) =>
        e.type === 'batch'
          ? html`<li class="batch">${t('batch', { n: e.messageIds.length, reason: e.reason })}</li>`
          : html`<li class=${e.type === 'reply' ? 'bot' : e.userId === userId ? 'me' : 'other'}>
              ${e.type === 'message' && e.userId !== userId && html`<small>${e.userName}</small>`}<div>${e.text}</div>
            </li>`,
      )}
    </ol>
    ${error && html`<p class="error">${error}</p>`}
    <form class="row" onSubmit=${send}>
      <input class="grow" name="message" placeholder=${t('messagePlaceholder')} value=${text} onInput=${(e) => setText(e.target.value)} />
      <button type="submit">${t('send')}</button>
    </form>
  </section>`;
}
