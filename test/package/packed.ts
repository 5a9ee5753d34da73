import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/**
 * A project outside the repository with the packed `nekomata` (the tarball `npm pack` makes, built by its
 * `prepack`) unpacked in its node_modules, as `npm install <tarball>` would put it. The package's own
 * dependencies, TypeScript and Node's types are linked from this repository's node_modules: installing them
 * again would fetch and compile better-sqlite3 for every run, and they are exactly what the lockfile installs.
 */
export class PackedProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-packed-'));

  static async create(): Promise<PackedProject> {
    const project = new PackedProject();
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', project.dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = path.join(project.dir, out.trim().split('\n').at(-1)!);
    const pkg = path.join(project.dir, 'node_modules/nekomata');
    fs.mkdirSync(pkg, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1']);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of [...Object.keys(manifest.dependencies), 'typescript', '@types/node']) project.link(dep);
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
