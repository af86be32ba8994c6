/**
 * `npm run preflight`: the connectivity checks the worker and API run at start, from a shell.
 * One line per dependency; exits 1 when any fails.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config/load-config';
import { CheckStatus, formatCheck } from '../src/preflight/connectivity-checks';
import { runPreflight } from '../src/preflight/run-preflight';
import { reportStartupError } from '../src/startup-error';

async function main(): Promise<void> {
  const results = await runPreflight(loadConfig());
  for (const result of results) console.log(formatCheck(result));
  process.exitCode = results.some((result) => result.status === CheckStatus.Fail) ? 1 : 0;
}

main().catch((error: unknown) => {
  reportStartupError('preflight', error);
  process.exit(2);
});
