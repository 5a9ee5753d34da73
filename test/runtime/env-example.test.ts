import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, settingVariables as configVariables } from '../../app/config.js';

const root = path.resolve(import.meta.dirname, '../..');

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

describe('.env.example', () => {
  const example = parseEnvFile(fs.readFileSync(path.join(root, '.env.example'), 'utf8'));

  it('documents every setting the config schema reads, and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual([...configVariables].sort());
  });

  it('is a valid configuration as it stands', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });

  it('shows the defaults', () => {
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });

  it('has a comment above every setting', () => {
    const lines = fs.readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^[A-Z0-9_]+=/.test(line)) expect(lines[i - 1], `comment above ${line}`).toMatch(/^#/);
    });
  });
});
