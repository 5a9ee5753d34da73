import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackedProject, tsconfig } from './packed.js';
import { readEntryPoints } from './public-api.js';

let project: PackedProject;
beforeAll(async () => {
  project = await PackedProject.create();
}, 180_000);
afterAll(() => project?.remove());

const PLUGIN = `import { Arg, CmdCtl, Plugin, type ChatContext } from 'nekomata';

const plugin = new Plugin({ name: 'Weather', moduleName: 'weather', description: 'Tells the weather', version: '1.0.0', author: 'me', url: '' });

plugin.mountCommand(
  { name: 'weather', description: 'The weather in a city', args: { city: Arg.str('city', { positional: true, default: 'Paris' }), days: Arg.int('days', { default: 1 }) } },
  async (_ctx, { city, days }) => CmdCtl.success(\`\${city}: sunny for \${days} day\${days === 1 ? '' : 's'}\`),
);
plugin.mountOnUserMessage(async (ctx: ChatContext, message) => {
  if (message.text === 'ping') await ctx.send('pong');
});

export default plugin;
`;

const PLUGIN_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChat } from 'nekomata/testing';
import plugin from './index.js';

test('a plugin author tests the plugin as a conversation', async () => {
  const chat = await startChat(plugin);
  try {
    await chat.shouldReply('/weather Tokyo days:3', 'Tokyo: sunny for 3 days');
    assert.deepEqual(await chat.say('ping'), ['pong']);
    await chat.shouldNotReply('just chatting');
  } finally {
    await chat.stop();
  }
});
`;

const APP = `import { configuredAdapters, loadConfig, openApp } from 'nekomata/app';

const config = loadConfig({ ...process.env });
const app = await openApp(config);
for (const adapter of configuredAdapters(app, config)) app.addAdapter(adapter);
await app.start();
const weather = app.plugins.list().find((p) => p.key === 'me.weather');
console.log(JSON.stringify({ state: weather?.state, version: weather?.version }));
await app.stop();
`;

describe('the packed package, installed in a project of its own', () => {
  it('ships the built entry points, the READMEs, the guides the README links to and the LICENSE, and no tests, benchmarks or sources', () => {
    const files = project.packedFiles();
    for (const f of ['package.json', 'README.md', 'README.zh-CN.md', 'docs/plugins.md', 'docs/zh-CN/plugins.md', 'LICENSE', 'dist/core/index.js', 'dist/core/index.d.ts', 'dist/app/index.js', 'dist/app/cli.js', 'dist/core/testing/index.d.ts']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /(^|\/)test\/|(^|\/)bench\/|\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('plain node sees exactly the listed values of each entry point, and nothing else is importable', async () => {
    const entries = readEntryPoints();
    project.write('exports.mjs', `const out = {};
for (const subpath of ${JSON.stringify(entries.map((e) => e.subpath))}) out[subpath] = Object.keys(await import(subpath)).sort();
let internal;
try { await import('nekomata/dist/core/runtime/index.js'); internal = 'importable'; } catch (e) { internal = e.code; }
console.log(JSON.stringify({ out, internal }));
`);
    const ran = await project.run(process.execPath, ['exports.mjs']);
    const seen = JSON.parse(ran.output.trim().split('\n').at(-1)!) as { out: Record<string, string[]>; internal: string };
    for (const entry of entries) expect(seen.out[entry.subpath]).toEqual(entry.listed.filter((n) => n.kind === 'value').map((n) => n.name).sort());
    expect(seen.internal).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);

  it.each(['NodeNext', 'bundler'] as const)('type-checks a plugin and its test under strict + exactOptionalPropertyTypes with %s resolution', async (resolution) => {
    project.write('plugin/index.ts', PLUGIN);
    project.write('plugin/index.test.ts', PLUGIN_TEST);
    project.write(`tsconfig.${resolution}.json`, tsconfig(resolution, ['plugin/*.ts']));
    const { code, output } = await project.tsc(`tsconfig.${resolution}.json`);
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 60_000);

  it("runs the plugin's chat test with node:test, and plain node runs an app that loads the plugin", async () => {
    project.write('plugin/index.ts', PLUGIN);
    project.write('plugin/index.test.ts', PLUGIN_TEST);
    project.write('tsconfig.emit.json', tsconfig('NodeNext', ['plugin/*.ts'], { noEmit: false, outDir: 'out', rootDir: 'plugin' }));
    expect((await project.tsc('tsconfig.emit.json')).output).toBe('');
    const tested = await project.run(process.execPath, ['--test', 'out/']);
    expect(tested.output).toMatch(/# pass 1\b/);
    expect(tested.code).toBe(0);

    project.write('app.mjs', APP);
    const dataDir = fs.mkdtempSync(path.join(project.dir, 'data-'));
    // The plugin folder holds TypeScript: the app loads it through tsx, which the package brings along.
    const ran = await project.run(process.execPath, ['app.mjs'], { env: { CONSOLE: '0', DATA_DIR: dataDir, PLUGIN_DIRS: 'out', PLUGINS_ENABLED: 'me.weather', LOG_LEVEL: 'error' } });
    expect(ran.output.trim().split('\n').at(-1)).toBe('{"state":"enabled","version":"1.0.0"}');
    expect(ran.code).toBe(0);
  }, 90_000);

  it('nekomata start answers a TypeScript plugin through the console, and --version and --help answer', async () => {
    project.write('ts-plugin/index.ts', PLUGIN);
    const dataDir = fs.mkdtempSync(path.join(project.dir, 'data-'));
    const bin = path.join(project.dir, 'node_modules/nekomata/dist/app/cli.js');
    const started = await project.run(process.execPath, [bin, 'start'], {
      env: { CONSOLE: '1', DATA_DIR: dataDir, PLUGIN_DIRS: 'ts-plugin', PLUGINS_ENABLED: 'me.weather', LOG_LEVEL: 'error' },
      input: '/weather Oslo\n',
    });
    expect(started.output).toContain('bot> Oslo: sunny for 1 day');
    expect(started.code).toBe(0);
    const version = await project.run(process.execPath, [bin, '--version']);
    expect(version.output.trim()).toBe((JSON.parse(fs.readFileSync(path.join(project.dir, 'node_modules/nekomata/package.json'), 'utf8')) as { version: string }).version);
    expect((await project.run(process.execPath, [bin, '--help'])).output).toContain('new plugin <name>');
    const wrong = await project.run(process.execPath, [bin, 'stat']);
    expect(wrong.code).toBe(2);
    expect(wrong.output).toContain('unknown command "stat"');
  }, 60_000);

  it('nekomata new plugin writes a plugin that type-checks (both resolutions) and passes its test as generated', async () => {
    const bin = path.join(project.dir, 'node_modules/nekomata/dist/app/cli.js');
    const made = await project.run(process.execPath, [bin, 'new', 'plugin', 'my-dice']);
    expect(made.code).toBe(0);
    expect((await project.run(process.execPath, [bin, 'new', 'plugin', 'my-dice'])).code).toBe(2);
    expect((await project.run(process.execPath, [bin, 'new', 'plugin', 'Bad Name'])).code).toBe(2);
    const dir = path.join(project.dir, 'my-dice');
    expect(fs.readdirSync(dir).sort()).toEqual(['.gitignore', 'README.md', 'index.test.ts', 'index.ts', 'package.json', 'tsconfig.json']);
    // Made by an installed Nekomata: the plugin asks the registry for this version's range.
    const version = (JSON.parse(fs.readFileSync(path.join(project.dir, 'node_modules/nekomata/package.json'), 'utf8')) as { version: string }).version;
    expect((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies: unknown }).dependencies).toEqual({ nekomata: `^${version}` });
    // Its own tsconfig (NodeNext, strict, exactOptionalPropertyTypes) builds it; its own test script runs it.
    const built = await project.tsc('my-dice/tsconfig.json');
    expect(built.output).toBe('');
    const tested = await project.run(process.execPath, ['--test', 'dist/'], { cwd: dir });
    expect(tested.output).toMatch(/# pass 1\b/);
    expect(tested.code).toBe(0);
    project.write('tsconfig.scaffold-bundler.json', tsconfig('bundler', ['my-dice/*.ts']));
    expect((await project.tsc('tsconfig.scaffold-bundler.json')).output).toBe('');
  }, 90_000);
});
