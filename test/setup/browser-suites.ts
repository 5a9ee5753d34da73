import { excludedSuites, requirementPlan, runs, type RequirementPlan } from './requirements.js';

/**
 * The test files that drive a real browser: Debian's `chromium` through playwright-core
 * (`test/support/browser.ts`). On a machine without it they are left out (vitest.config.ts) unless it is
 * required; `browser-suites.test.ts` checks that every file reaching the browser helper is listed.
 */
export const browserSuites = ['test/ui/web-ui.browser.test.ts'];

/** The browser the tests drive: `CHROMIUM_PATH`, or Debian's package. */
export const chromiumPath = (env: NodeJS.ProcessEnv = process.env): string => env.CHROMIUM_PATH || '/usr/bin/chromium';

/** `NEKOMATA_REQUIRE_BROWSER=1` (or `CI`) makes a missing chromium fail the run; `=0` skips the browser suites. */
export function browserPlan(env: NodeJS.ProcessEnv = process.env): RequirementPlan {
  return requirementPlan('NEKOMATA_REQUIRE_BROWSER', runs(chromiumPath(env)), env);
}

export function excludedBrowserSuites(plan: RequirementPlan = browserPlan()): string[] {
  return excludedSuites(
    plan,
    browserSuites,
    `chromium is not installed (${chromiumPath()}), and ${plan.requiredBy} requires the browser suites: install it ` +
      '(apt-get install -y chromium), or set NEKOMATA_REQUIRE_BROWSER=0 to skip them.',
  );
}
