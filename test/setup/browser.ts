import { browserPlan, browserSuites, chromiumPath } from './browser-suites.js';

/**
 * Says in one line that the browser suites are skipped when chromium is missing and nothing requires it (when it
 * is required and missing, vitest.config.ts has already failed the run).
 */
export default function setup(): void {
  if (!browserPlan().skip) return;
  console.log(
    `Browser suites skipped (${browserSuites.length} test file): chromium is not installed at ${chromiumPath()}. Install it ` +
      '(apt-get install -y chromium) to run them, or set NEKOMATA_REQUIRE_BROWSER=1 to make its absence an error.',
  );
}
