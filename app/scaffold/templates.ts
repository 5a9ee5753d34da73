/** The files `nekomata new plugin <name>` writes, from the plugin's names and the Nekomata version it is made for. */
export interface PluginNames {
  /** The folder and package name, as typed: `my-weather`. */
  folder: string;
  /** The plugin's moduleName: `my_weather`. */
  moduleName: string;
  /** A readable title: `My weather`. */
  title: string;
  /** The Nekomata version the plugin is made against. */
  version: string;
  /** How its package.json asks for Nekomata: `^<version>` from the registry, or `file:<path>` to a checkout. */
  dependency: string;
}

export function templates(n: PluginNames): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(
      {
        name: `nekomata-plugin-${n.folder}`,
        version: '0.1.0',
        description: `${n.title}: a Nekomata plugin`,
        type: 'module',
        private: true,
        main: 'dist/index.js',
        scripts: { build: 'tsc', test: 'tsc && node --test dist/' },
        dependencies: { nekomata: n.dependency },
        devDependencies: { '@types/node': '^20.19.0', typescript: '^5.9.0' },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true, skipLibCheck: true, types: ['node'], outDir: 'dist', rootDir: '.',
        },
        include: ['*.ts'],
      },
      null,
      2,
    )}\n`,
    'index.ts': `/**
 * ${n.title}: answers /hello.
 */
import { Arg, CmdCtl, Plugin } from 'nekomata';

const plugin = new Plugin({
  name: '${n.title}',
  moduleName: '${n.moduleName}',
  description: 'Answers /hello',
  version: '0.1.0',
  author: 'me',
  url: '',
});

plugin.mountCommand(
  {
    name: 'hello',
    description: 'Say hello to someone',
    args: { who: Arg.str('who to greet', { positional: true, default: 'world' }) },
  },
  async (_ctx, { who }) => CmdCtl.success(\`Hello, \${who}!\`),
);

export default plugin;
`,
    'index.test.ts': `import { test } from 'node:test';
import { startChat } from 'nekomata/testing';
import plugin from './index.js';

test('/hello greets whom it is told to, or the world', async () => {
  const chat = await startChat(plugin);
  try {
    await chat.shouldReply('/hello Neko', 'Hello, Neko!');
    await chat.shouldReply('/hello', 'Hello, world!');
  } finally {
    await chat.stop();
  }
});
`,
    'README.md': `# ${n.title}

A [Nekomata](https://github.com/nekomata-bot/nekomata) plugin. It answers \`/hello [who]\`.

## Develop

\`\`\`sh
npm install
npm test        # type-checks, then runs index.test.ts against a chat (nekomata/testing)
\`\`\`

## Use

Point the bot at this folder and enable the plugin (its key is \`me.${n.moduleName}\`):

\`\`\`sh
PLUGIN_DIRS=/path/to/${n.folder} PLUGINS_ENABLED=me.${n.moduleName} npx nekomata start
\`\`\`

Change \`author\` in \`index.ts\` to your name first: the key \`<author>.<moduleName>\` names the plugin's store,
config and data folder.
`,
    '.gitignore': 'node_modules/\ndist/\n',
  };
}
