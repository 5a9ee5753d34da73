import fs from 'node:fs';

/**
 * `npx tsx bench/profile-summary.ts <file> [fn|file|folder] [rows] [messages]`: where a profile written with
 * BENCH_PROFILE went, by self share, grouped by function (default), by source file or by folder.
 * - A `.cpuprofile`: busy time; with `messages`, also µs of busy time per message.
 * - A `.heapprofile` (BENCH_PROFILE_HEAP=1): bytes allocated; with `messages`, also bytes per message.
 */
interface CallFrame { functionName: string; url: string; lineNumber: number }
interface CpuProfile { nodes: { id: number; callFrame: CallFrame }[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }
interface HeapNode { callFrame: CallFrame; selfSize: number; children: HeapNode[] }
interface HeapProfile { head: HeapNode }

const [file, mode = 'fn', rows = '30', count] = process.argv.slice(2);
const messages = count === undefined ? undefined : Number(count);
if (!file || !['fn', 'file', 'folder'].includes(mode) || (messages !== undefined && !(messages > 0))) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [fn|file|folder] [rows] [messages]');
  process.exit(2);
}
const where = (url: string): string => url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(process.cwd() + '/', '');
const group = (frame: CallFrame): string => {
  const url = where(frame.url);
  if (mode === 'file') return url || frame.functionName;
  if (mode === 'folder') return url ? (url.startsWith('node_modules/') ? url.split('/').slice(0, 2).join('/') : url.split('/').slice(0, -1).join('/') || url) : frame.functionName;
  return `${frame.functionName || '(anonymous)'}  ${url}${url ? `:${frame.lineNumber + 1}` : ''}`;
};
const self = new Map<string, number>();
const add = (key: string, amount: number): void => void self.set(key, (self.get(key) ?? 0) + amount);
const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile | HeapProfile;

let total: number;
let line: (amount: number) => string;
if ('head' in parsed) {
  total = 0;
  const walk = (node: HeapNode): void => {
    if (node.selfSize > 0) add(group(node.callFrame), node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(parsed.head);
  const perMessage = messages ? `, ${(total / messages).toFixed(0)} B a message` : '';
  console.log(`${(total / 1e6).toFixed(1)} MB allocated (sampled)${perMessage}; shares:`);
  line = (b) => (messages ? `${(b / messages).toFixed(0).padStart(6)} B  ` : '');
} else {
  const nodes = new Map(parsed.nodes.map((n) => [n.id, n]));
  let sampled = 0;
  // A sample stands for the time until the next one (as DevTools reads it). timeDeltas[i] is the gap *before*
  // sample i; its first is the profiler's start-up (the inspector's `dispatch`, 100+ ms), no part of the run.
  const { samples, timeDeltas } = parsed;
  const lastAt = parsed.startTime + timeDeltas.reduce((sum, dt) => sum + dt, 0);
  samples.forEach((id, i) => {
    const dt = i + 1 < samples.length ? timeDeltas[i + 1]! : Math.max(0, parsed.endTime - lastAt);
    add(group(nodes.get(id)!.callFrame), dt);
    sampled += dt;
  });
  const idleKey = group({ functionName: '(idle)', url: '', lineNumber: -1 });
  const idle = self.get(idleKey) ?? 0;
  self.delete(idleKey);
  total = sampled - idle;
  const perMessage = messages ? `, ${(total / messages).toFixed(1)} µs busy a message` : '';
  console.log(`${(sampled / 1000).toFixed(0)} ms sampled, ${((100 * idle) / sampled).toFixed(1)}% idle${perMessage}; shares of the busy time:`);
  line = (us) => (messages ? `${(us / messages).toFixed(2).padStart(6)} µs  ` : '');
}
for (const [key, amount] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
  console.log(`${((100 * amount) / total).toFixed(1).padStart(5)}%  ${line(amount)}${key}`);
}
