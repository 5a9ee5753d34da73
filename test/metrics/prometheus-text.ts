/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*",?)*)\\})? (\\S+)$`);
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const SUFFIXES: Record<string, string[]> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], untyped: [''] };

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every sample belongs to a family declared by a
 * `# TYPE` line before it, with a suffix its type allows; names, labels and values are well formed; a family is
 * declared once. Throws naming the line that breaks a rule.
 */
export function parsePrometheusText(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1} ${why}: ${line}`);
    };
    if (line === '') return;
    if (line.startsWith('# HELP ')) return void (new RegExp(`^# HELP ${NAME} `).test(line) || fail('is a bad HELP line'));
    if (line.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line) ?? fail('is a bad TYPE line');
      if (types.has(m[1]!)) fail('declares a family twice');
      types.set(m[1]!, m[2]!);
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line) ?? fail('is not a sample');
    if (!VALUE.test(m[3]!)) fail('has a bad value');
    const name = m[1]!;
    const family = [...types].find(([f, type]) => SUFFIXES[type]!.some((s) => name === f + s));
    if (!family) fail('has no TYPE declared before it');
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name, labels, value: Number(m[3]) });
  });
  return samples;
}

/** The value of the sample `name` whose labels include `labels` (0 when there is none). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
}
