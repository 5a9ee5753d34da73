import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinTags, isPrivateAddress, NamedSet, xmlReplyFormat, type BuiltinTagOptions, type HostLookup, type TagDefinition } from '../../core/agent/index.js';
import { testDeps } from '../support/logger.js';

let base: string;
let dataDir: string;
let store: string;
let outside: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'nekomata-media-'));
  dataDir = path.join(base, 'data');
  store = path.join(dataDir, 'nekomata.db');
  outside = path.join(base, 'notes.txt');
  await mkdir(path.join(dataDir, 'media', 'out'), { recursive: true });
  await mkdir(path.join(dataDir, 'plugins', 'me.draw'), { recursive: true });
  await mkdir(path.join(dataDir, 'logs'), { recursive: true });
  await writeFile(store, 'SQLite format 3\0');
  await writeFile(`${store}-wal`, 'wal');
  await writeFile(path.join(dataDir, 'logs', 'bot.log'), 'log');
  await writeFile(path.join(dataDir, 'plugins', 'stray.png'), 'png');
  await writeFile(path.join(dataDir, 'media', 'out', 'chart.png'), 'png');
  await writeFile(path.join(dataDir, 'plugins', 'me.draw', 'cat.png'), 'png');
  await writeFile(outside, 'notes');
  // Links a tool or a careless operator could leave in the sendable folders, and one outside pointing in.
  await symlink(store, path.join(dataDir, 'media', 'db.png'));
  await symlink(store, path.join(dataDir, 'plugins', 'me.draw', 'db.png'));
  await symlink(dataDir, path.join(dataDir, 'media', 'all'));
  await symlink(store, path.join(base, 'innocent.png'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const PUBLIC = '93.184.215.14';
const lookup: HostLookup = (host) => {
  const table: Record<string, string[]> = {
    'example.com': [PUBLIC],
    'intranet.example': ['10.1.2.3'],
    'metadata.example': ['169.254.169.254'],
    'dual.example': [PUBLIC, '::1'],
  };
  const found = table[host];
  if (!found) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  return Promise.resolve(found.map((address) => ({ address })));
};

async function parse(xml: string, opts: Partial<BuiltinTagOptions> = {}) {
  const set = new NamedSet<TagDefinition>('tag');
  for (const t of builtinTags({ dataDir, lookup, ...opts })) set.add(t);
  const deps = testDeps();
  const r = await xmlReplyFormat.parse(xml, set, { chatKey: 'console-private_1', ...deps });
  if (!r.ok) throw new Error(r.error);
  const refusals = deps.lines.filter((l) => l.level === 50 && String(l.msg).includes('must not send'));
  return { ...r.reply, deps, refusals };
}

describe('<file> sends only from the media folder and plugin data folders', () => {
  it('sends files of data/media/ and data/plugins/<key>/, written as data/… or as an absolute path', async () => {
    const chart = path.join(dataDir, 'media', 'out', 'chart.png');
    const cat = path.join(dataDir, 'plugins', 'me.draw', 'cat.png');
    const r = await parse(`<msg><file>data/media/out/chart.png</file><img>data/plugins/me.draw/cat.png</img><file>${chart}</file></msg>`);
    expect(r.chains).toEqual([[
      { type: 'image', path: chart, name: 'chart.png' },
      { type: 'image', path: cat, name: 'cat.png' },
      { type: 'image', path: chart, name: 'chart.png' },
    ]]);
    expect(r.refusals).toEqual([]);
  });

  it('refuses the store, its journal, logs and anything else under DATA_DIR, with one error line and one count each', async () => {
    const r = await parse(
      `<msg><text>here</text><file>data/nekomata.db</file><file>data/nekomata.db-wal</file><record>data/logs/bot.log</record>` +
        `<file>data/plugins/stray.png</file><img>${store}</img><file>data/media/../nekomata.db</file></msg>`,
      { allowAbsolutePaths: true },
    );
    expect(r.chains).toEqual([[{ type: 'text', text: 'here' }]]);
    expect(r.dropped.map((d) => d.tag)).toEqual(['file', 'file', 'record', 'file', 'img', 'file']);
    expect(r.dropped.every((d) => d.reason.includes('is not in a folder files may be sent from'))).toBe(true);
    expect(r.deps.metrics.get('agent_media_refused_total', { tag: 'file', reason: 'not_sendable' })).toBe(4);
    expect(r.deps.metrics.total('agent_media_refused_total')).toBe(6);
    expect(r.deps.metrics.total('agent_reply_dropped_total')).toBe(0);
    expect(r.refusals).toHaveLength(6);
    expect(r.refusals[0]).toMatchObject({ tag: 'file', reason: 'not_sendable', chatKey: 'console-private_1' });
  });

  it('follows symlinks before the check: a link in the media or a plugin folder to the store is refused', async () => {
    const r = await parse('<msg><file>data/media/db.png</file><file>data/plugins/me.draw/db.png</file><file>data/media/all/nekomata.db</file></msg>');
    expect(r.chains).toEqual([]);
    expect(r.dropped.map((d) => d.reason)).toEqual([
      '<file>: data/media/db.png leads (through a symbolic link) outside the folders files may be sent from',
      '<file>: data/plugins/me.draw/db.png leads (through a symbolic link) outside the folders files may be sent from',
      '<file>: data/media/all/nekomata.db leads (through a symbolic link) outside the folders files may be sent from',
    ]);
    expect(r.deps.metrics.total('agent_media_refused_total')).toBe(3);
    expect(r.refusals).toHaveLength(3);
  });

  it('refuses absolute paths outside DATA_DIR unless AGENT_ALLOW_ABSOLUTE_PATHS; allowed, they still never reach the store', async () => {
    const link = path.join(base, 'innocent.png');
    const refused = await parse(`<msg><file>${outside}</file></msg>`);
    expect(refused.dropped).toEqual([{ tag: 'file', reason: '<file>: absolute paths outside the data directory are not allowed here: use a data/media/… path or a URL' }]);
    expect(refused.deps.metrics.get('agent_media_refused_total', { tag: 'file', reason: 'absolute_path' })).toBe(1);

    const allowed = await parse(`<msg><file>${outside}</file><file>${link}</file></msg>`, { allowAbsolutePaths: true });
    expect(allowed.chains).toEqual([[{ type: 'file', path: outside, name: 'notes.txt' }]]);
    expect(allowed.dropped).toEqual([{ tag: 'file', reason: `<file>: ${link} leads (through a symbolic link) outside the folders files may be sent from` }]);
    expect(allowed.refusals).toHaveLength(1);
  });

  it('refuses a data/ path that climbs out of the data directory', async () => {
    const r = await parse('<msg><file>data/../notes.txt</file></msg>', { allowAbsolutePaths: true });
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: data/../notes.txt escapes the data directory' }]);
    expect(r.refusals).toHaveLength(1);
  });
});

describe('media URLs: http(s) on public addresses only', () => {
  const urls = [
    'http://127.0.0.1/a.png', 'http://127.8.9.10/a.png', 'http://[::1]/a.png', 'http://10.0.0.5/a.png', 'http://172.16.3.4/a.png',
    'http://172.31.255.255/a.png', 'http://192.168.1.1/a.png', 'http://169.254.169.254/latest/meta-data/', 'http://[fd12::1]/a.png',
    'http://[fe80::1]/a.png', 'http://0.0.0.0/a.png', 'http://localhost:8080/a.png', 'http://LOCALHOST./a.png', 'http://api.localhost/a.png',
    'http://2130706433/a.png', 'http://0x7f.1/a.png', 'http://[::ffff:127.0.0.1]/a.png', 'https://intranet.example/a.png',
    'https://metadata.example/latest', 'https://dual.example/a.png',
  ];

  it('refuses loopback, private, link-local and metadata addresses, written as such or resolved from a name', async () => {
    const r = await parse(`<msg><text>x</text>${urls.map((u) => `<img>${u}</img>`).join('')}</msg>`);
    expect(r.chains).toEqual([[{ type: 'text', text: 'x' }]]);
    expect(r.dropped).toHaveLength(urls.length);
    expect(r.deps.metrics.get('agent_media_refused_total', { tag: 'img', reason: 'private_address' })).toBe(urls.length);
    expect(r.refusals).toHaveLength(urls.length);
    expect(r.dropped.at(-1)!.reason).toBe('<img>: dual.example resolves to ::1: URLs on private or loopback addresses are not sent');
  });

  it('refuses schemes other than http(s)', async () => {
    const r = await parse('<msg><file>file:///etc/passwd</file><file>ftp://example.com/a.txt</file><img>data:image/png;base64,iVBOR</img><file>gopher://example.com/</file></msg>');
    expect(r.chains).toEqual([]);
    expect(r.deps.metrics.get('agent_media_refused_total', { tag: 'file', reason: 'scheme' })).toBe(3);
    expect(r.deps.metrics.get('agent_media_refused_total', { tag: 'img', reason: 'scheme' })).toBe(1);
    expect(r.dropped[0]!.reason).toBe('<file>: only http(s) URLs may be sent, not file:');
  });

  it('refuses a host name that does not resolve: where it leads is unknown', async () => {
    const r = await parse('<msg><img>https://nowhere.example/a.png</img></msg>');
    expect(r.dropped).toEqual([{ tag: 'img', reason: '<img>: nowhere.example could not be resolved (ENOTFOUND), so where it leads is unknown' }]);
    expect(r.deps.metrics.get('agent_media_refused_total', { tag: 'img', reason: 'unresolved' })).toBe(1);
  });

  it('sends public URLs, and private ones when AGENT_ALLOW_PRIVATE_URLS allows them', async () => {
    const pub = await parse('<msg><img>https://example.com/cat.png</img></msg>');
    expect(pub.chains).toEqual([[{ type: 'image', url: 'https://example.com/cat.png', name: 'cat.png' }]]);
    const all = await parse(`<msg>${urls.slice(0, 3).map((u) => `<img>${u}</img>`).join('')}</msg>`, { allowPrivateUrls: true });
    expect(all.chains[0]).toHaveLength(3);
    expect(all.refusals).toEqual([]);
  });

  it('classifies addresses', () => {
    expect(['127.0.0.1', '10.255.0.1', '100.100.100.200', '::', 'fc00::1', '::ffff:192.168.0.1'].map(isPrivateAddress)).toEqual([true, true, true, true, true, true]);
    expect(['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', 'example.com'].map(isPrivateAddress)).toEqual([false, false, false, false]);
  });
});
