import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Whether a program the tests need is here, and what makes its absence an error. */
export interface RequirementPlan {
  /** The program can be started. */
  found: boolean;
  /** What makes a missing program an error (`NEKOMATA_REQUIRE_X=1`, `CI=true`), if anything. */
  requiredBy: string | undefined;
  /** Leave its suites out: the program is missing, and nothing requires it. */
  skip: boolean;
}

/** Whether `command --version` runs. */
export function runs(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * `<flag>=1` makes a missing program fail the run, `<flag>=0` lets its suites be skipped; unset, a `CI` variable
 * (other than empty, `0` or `false`) requires it, so CI never goes green without those suites.
 */
export function requirementPlan(flagName: string, found: boolean, env: NodeJS.ProcessEnv = process.env): RequirementPlan {
  const flag = env[flagName] ?? '';
  if (!['', '0', '1'].includes(flag)) throw new Error(`${flagName} must be 1 (a missing program fails the tests) or 0 (it skips their suites), not "${flag}"`);
  const ci = env.CI ?? '';
  const requiredBy = flag === '1' ? `${flagName}=1` : flag === '' && !['', '0', 'false'].includes(ci.toLowerCase()) ? `CI=${ci}` : undefined;
  return { found, requiredBy, skip: !found && requiredBy === undefined };
}

/**
 * The files a run leaves out: `suites` when the program is missing and nothing requires it. Throws `missing`
 * (the whole story, no stack into vitest's config loader) when it is required and missing, before any test starts.
 */
export function excludedSuites(plan: RequirementPlan, suites: string[], missing: string): string[] {
  if (plan.skip) return suites;
  if (plan.found) return [];
  throw Object.assign(new Error(missing), { stack: `Error: ${missing}` });
}

/** Every test file of the project, as `test/…/x.test.ts`: what the suite lists are checked against. */
export function allTestFiles(root: string): string[] {
  return fs
    .readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .map((f) => `test/${f.split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.test.ts'));
}
