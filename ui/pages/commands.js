// The command runner (output streams in as the command yields it) and the list of commands.
import { useEffect, useState } from 'preact/hooks';
import { api, postStream } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

export function Commands() {
  const [commands, setCommands] = useState([]);
  const [text, setText] = useState('');
  const [output, setOutput] = useState([]);
  const [running, setRunning] = useState(false);
  useEffect(() => void api('/api/commands').then(setCommands), []);
  const run = async (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    setRunning(true);
    const lines = [...output, { kind: 'input', text }];
    setOutput(lines);
    try {
      await postStream('/api/commands/execute', { text }, (event, data) => {
        if (event === 'response') lines.push({ kind: data.status, text: [data.message, ...data.segments.map((s) => s.text ?? s.url ?? s.fileName ?? '')].filter(Boolean).join('\n') });
        setOutput([...lines]);
      });
    } catch (err) {
      lines.push({ kind: 'error', text: err.message });
      setOutput([...lines]);
    }
    setRunning(false);
  };
  return html`<section>
    <form class="runner" onSubmit=${run}>
      <input name="command" list="command-names" placeholder=${t('commandPlaceholder')} value=${text} onInput=${(e) => setText(e.target.value)} />
      <datalist id="command-names">${commands.filter((c) => c.pluginEnabled).map((c) => html`<option value=${`/${c.name} `} />`)}</datalist>
      <button type="submit" disabled=${running}>${t('run')}</button>
    </form>
    <pre class="console" data-testid="command-output">${output.map((l) => html`<div class=${`line ${l.kind}`}>${l.kind === 'input' ? '> ' : ''}${l.text}</div>`)}</pre>
    <h2>${t('commands')}</h2>
    <table>
      <thead><tr><th></th><th>${t('permission')}</th><th></th></tr></thead>
      <tbody>${commands.filter((c) => !c.name.startsWith('_')).map((c) => html`<tr>
        <td><code>/${c.name}</code> <small class="muted">${c.usage}</small></td><td>${c.overrides.permission['*'] ?? c.permission}</td><td>${c.description}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
