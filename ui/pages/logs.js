// Live logs, from a level up: the recent lines first, then each new one as it is written.
import { useEffect, useState } from 'preact/hooks';
import { listen } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const KEPT = 500;

export function Logs() {
  const [level, setLevel] = useState('info');
  const [lines, setLines] = useState([]);
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return undefined;
    setLines([]);
    return listen(`/api/logs/stream?level=${level}`, { log: (r) => setLines((ls) => [...ls.slice(-(KEPT - 1)), r]) });
  }, [level, paused]);
  return html`<section>
    <div class="row">
      <label>${t('level')} <select name="level" value=${level} onChange=${(e) => setLevel(e.target.value)}>
        ${['trace', 'debug', 'info', 'warn', 'error'].map((l) => html`<option value=${l}>${l}</option>`)}
      </select></label>
      <button class="small" onClick=${() => setPaused(!paused)}>${paused ? t('resume') : t('pause')}</button>
    </div>
    <pre class="console logs" data-testid="logs">${lines.map((r) => html`<div class=${`line ${r.levelName}`}>${new Date(r.time).toLocaleTimeString()} ${r.levelName.toUpperCase()} ${r.msg}</div>`)}</pre>
  </section>`;
}
