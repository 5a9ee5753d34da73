import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTestFiles } from './requirements.js';
import { browserPlan, browserSuites, excludedBrowserSuites } from './browser-suites.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('the browser suites, left out when the machine has no chromium', () => {
  it('are exactly the test files that use the browser helper', () => {
    const testFiles = allTestFiles(root);
    const usesBrowser = (f: string) => /from '(\.\.\/)+support\/browser\.js'/.test(fs.readFileSync(path.join(root, f), 'utf8'));
    expect(testFiles.filter(usesBrowser).sort()).toEqual([...browserSuites].sort());
  });

  it('are required by NEKOMATA_REQUIRE_BROWSER=1 or a CI variable, which NEKOMATA_REQUIRE_BROWSER=0 overrides', () => {
    const missing = { CHROMIUM_PATH: '/nonexistent/chromium' };
    expect(browserPlan(missing)).toEqual({ found: false, requiredBy: undefined, skip: true });
    expect(browserPlan({ ...missing, CI: 'true' }).requiredBy).toBe('CI=true');
    expect(browserPlan({ ...missing, NEKOMATA_REQUIRE_BROWSER: '1' }).requiredBy).toBe('NEKOMATA_REQUIRE_BROWSER=1');
    expect(browserPlan({ ...missing, CI: 'true', NEKOMATA_REQUIRE_BROWSER: '0' }).skip).toBe(true);
    expect(() => browserPlan({ NEKOMATA_REQUIRE_BROWSER: 'yes' })).toThrow(/NEKOMATA_REQUIRE_BROWSER must be 1 .* or 0/);
  });

  it('are left out without chromium, run with it, and fail the run when required and missing', () => {
    expect(excludedBrowserSuites({ found: false, requiredBy: undefined, skip: true })).toEqual(browserSuites);
    expect(excludedBrowserSuites({ found: true, requiredBy: 'CI=true', skip: false })).toEqual([]);
    expect(() => excludedBrowserSuites({ found: false, requiredBy: 'CI=true', skip: false })).toThrow(/requires the browser suites: install it \(apt-get install -y chromium\)/);
  });
});
