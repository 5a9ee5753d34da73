import fs from 'node:fs';

/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [fn|file|folder] [rows]`: where a CPU profile's time went,
 * by self time, grouped by function (default), by source file or by folder, as a share of the profile.
 */
interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const [file, mode = 'fn', rows = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [fn|file|folder] [rows]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const where = (url: string): string => url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(process.cwd() + '/', '');
const group = (n: ProfileNode): string => {
  const url = where(n.callFrame.url);
  if (mode === 'file') return url || n.callFrame.functionName;
  if (mode === 'folder') return url ? (url.startsWith('node_modules/') ? url.split('/').slice(0, 2).join('/') : url.split('/').slice(0, -1).join('/') || url) : n.callFrame.functionName;
  return `${n.callFrame.functionName || '(anonymous)'}  ${url}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
};
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const key = group(nodes.get(id)!);
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
});
const idle = self.get(group({ id: 0, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } })) ?? 0;
console.log(`${(total / 1000).toFixed(0)} ms sampled, ${((100 * idle) / total).toFixed(1)}% idle; shares of the busy time:`);
for (const [key, t] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
  console.log(`${((100 * t) / (total - idle)).toFixed(1).padStart(5)}%  ${key}`);
}
