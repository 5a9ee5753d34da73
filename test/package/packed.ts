import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataDirLockedError, lockDataDir, type DataDirLock } from '../../core/runtime/index.js';

export const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/** How long to wait for another process's `npm pack` (a build on a busy 2-core machine). */
const PACK_WAIT_MS = 300_000;
/** Packed tarballs of older sources are removed once this old. */
const STALE_PACK_MS = 24 * 3600_000;

/**
 * What `npm pack` puts in the tarball comes from these: the manifest, the compiler settings, the sources the
 * build compiles and the other files `files` ships. Their content names the tarball.
 */
function packInputs(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
  const build = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  const walk = (rel: string): string[] => {
    const full = path.join(root, rel);
    if (!fs.existsSync(full)) return [];
    if (!fs.statSync(full).isDirectory()) return [rel];
    return fs.readdirSync(full).sort().flatMap((name) => walk(path.join(rel, name)));
  };
  const shipped = manifest.files.filter((f) => f !== 'dist');
  return ['package.json', 'tsconfig.json', 'tsconfig.build.json', ...shipped, ...build.include].flatMap(walk);
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of packInputs()) hash.update(file).update('\0').update(fs.readFileSync(path.join(root, file))).update('\0');
  return hash.digest('hex').slice(0, 20);
}

function removeStalePacks(keep: string): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const dir = path.join(os.tmpdir(), name);
    if (!name.startsWith('nekomata-pack-') || dir === keep) continue;
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > STALE_PACK_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run removed it first
    }
  }
}

/**
 * The tarball `npm pack` makes of the repository as it is now (built by its `prepack`). Packing takes 20-40 s,
 * so it is done once per content of the sources: the test files that need the package, running side by side in
 * vitest's workers, and later runs over unchanged sources, share one tarball under the system's temp folder.
 * The folder's pid lock (the one that guards a DATA_DIR) keeps two processes from building `dist/` at once; a
 * lock whose process died is taken over.
 */
export async function packedTarball(): Promise<string> {
  const dir = path.join(os.tmpdir(), `nekomata-pack-${sourcesHash()}`);
  const tarball = path.join(dir, 'nekomata.tgz');
  const deadline = Date.now() + PACK_WAIT_MS;
  while (!fs.existsSync(tarball)) {
    let lock: DataDirLock;
    try {
      lock = lockDataDir(dir);
    } catch (err) {
      if (!(err instanceof DataDirLockedError)) throw err;
      if (Date.now() > deadline) throw new Error(`waited ${PACK_WAIT_MS / 1000} s for process ${err.holderPid} to pack the package (${dir})`);
      await sleep(250);
      continue;
    }
    const packing = path.join(dir, 'packing');
    try {
      if (!fs.existsSync(tarball)) {
        fs.rmSync(packing, { recursive: true, force: true });
        fs.mkdirSync(packing);
        const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', packing], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        // Renamed into place only once complete, so a reader never sees half a tarball.
        fs.renameSync(path.join(packing, out.trim().split('\n').at(-1)!), tarball);
        removeStalePacks(dir);
      }
    } finally {
      fs.rmSync(packing, { recursive: true, force: true });
      lock.release();
    }
  }
  const now = new Date();
  fs.utimesSync(dir, now, now); // in use: not stale for other runs' clean-up
  return tarball;
}

/**
 * A project outside the repository with the packed `nekomata` (`packedTarball()`) unpacked in its node_modules,
 * as `npm install <tarball>` would put it. The package's own dependencies, TypeScript and Node's types are
 * linked from this repository's node_modules: installing them again would fetch and compile better-sqlite3 for
 * every run, and they are exactly what the lockfile installs. Each project is a folder of its own, so tests
 * that write files in it do not meet.
 */
export class PackedProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-packed-'));

  /** `link`: more packages of this repository's node_modules the project uses (a test runner, for instance). */
  static async create(options: { link?: string[] } = {}): Promise<PackedProject> {
    const tarball = await packedTarball();
    const project = new PackedProject();
    const pkg = path.join(project.dir, 'node_modules/nekomata');
    fs.mkdirSync(pkg, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1']);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of [...Object.keys(manifest.dependencies), 'typescript', '@types/node', ...(options.link ?? [])]) project.link(dep);
    fs.writeFileSync(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'packed-project', type: 'module', private: true }));
    return project;
  }

  private link(dep: string): void {
    const target = path.join(this.dir, 'node_modules', dep);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', dep), target, 'dir');
  }

  /** The files of the packed package, relative to it. */
  packedFiles(): string[] {
    const pkg = path.join(this.dir, 'node_modules/nekomata');
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.relative(pkg, path.join(dir, e.name))]));
    return walk(pkg);
  }

  write(file: string, text: string): string {
    const full = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
    return full;
  }

  /** Runs the repository's TypeScript on a tsconfig of the project; resolves its output (empty when clean). */
  tsc(tsconfig: string): Promise<{ code: number | null; output: string }> {
    return this.run(process.execPath, [tsc, '-p', tsconfig]);
  }

  run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd ?? this.dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
      child.stdin.end(options.input ?? '');
    });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Compiler options a strict plugin author might use, with either module resolution. */
export function tsconfig(resolution: 'NodeNext' | 'bundler', include: string[], extra: Record<string, unknown> = {}): string {
  const module = resolution === 'NodeNext' ? 'NodeNext' : 'ESNext';
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2023', module, moduleResolution: resolution, strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
      skipLibCheck: true, types: ['node'], noEmit: true, ...extra,
    },
    include,
  });
}
