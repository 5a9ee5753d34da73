import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import { packageRoot } from '../runtime/package-info.js';

/**
 * The browser modules the UI imports by bare name (its import map in index.html), served from the installed
 * packages: nothing is fetched from elsewhere at run time, and there is no build step.
 */
const VENDOR: Readonly<Record<string, { pkg: string; file: string }>> = {
  'preact.mjs': { pkg: 'preact', file: 'dist/preact.mjs' },
  'hooks.mjs': { pkg: 'preact', file: 'hooks/dist/hooks.mjs' },
  'htm.mjs': { pkg: 'htm', file: 'dist/htm.mjs' },
};

/** The UI's folder: `ui/` of the package, beside `dist/` when installed, at the repository's root from source. */
export function uiFolder(): string {
  return path.join(packageRoot(), 'ui');
}

/**
 * Serves the Web UI: `GET /` is its page, `GET /ui/…` its files (hono's serveStatic refuses `..`, `%`-encoded
 * paths, doubled and back slashes, so nothing outside the folder is reachable), `GET /ui/vendor/…` the three
 * library modules from a fixed list. The page itself is public; everything it shows comes from the admin API,
 * behind the login.
 */
export function mountUi(app: Hono<any>, folder = uiFolder()): void {
  const root = path.resolve(folder);
  const require = createRequire(import.meta.url);
  const vendor = new Map(Object.entries(VENDOR).map(([name, v]) => [name, path.join(packageDir(require, v.pkg), v.file)]));
  const headers = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  app.get('/', (c) => {
    const page = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
    c.header('Content-Security-Policy', contentSecurityPolicy(page));
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    return c.html(page, 200, headers);
  });
  app.get('/ui/vendor/:file', (c) => {
    const file = vendor.get(c.req.param('file'));
    if (!file) return c.json({ error: 'not found' }, 404);
    return c.body(fs.readFileSync(file, 'utf8'), 200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' });
  });
  app.get('/ui/*', serveStatic({ root, rewriteRequestPath: (p) => p.slice('/ui'.length) }), (c) => c.json({ error: 'not found' }, 404));
}

/**
 * Scripts from this server only, plus the page's inline import map by its hash (browsers do not load an import
 * map from a file); no framing, so the page cannot be overlaid to trick a click.
 */
function contentSecurityPolicy(page: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1];
  const hash = importMap === undefined ? '' : ` 'sha256-${createHash('sha256').update(importMap).digest('base64')}'`;
  return `default-src 'self'; script-src 'self'${hash}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

/** The installed folder of a package, found upward from its main module (some packages do not export package.json). */
function packageDir(require: NodeRequire, name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`the ${name} package was not found (npm install)`);
    dir = parent;
  }
}
