/**
 * `npm run replay -- --workflow-id <id> [--run-id <run>]`  a workflow from the configured server
 * `npm run replay -- --file <history.json>`                 an exported history (repeatable)
 * `npm run replay -- --open`                                 every open workflow of this product
 *
 * Replays against the current workflow code (WORKFLOW_BUNDLE_PATH when set, else this checkout's
 * workflows/); prints OK or the first mismatching event for each as it replays (histories are
 * fetched from the server 10 at a time), then `replay: N replayed, K OK, M mismatched`; exits 0
 * when all replay, 1 on a mismatch, 2 when nothing could be replayed (bad arguments, file,
 * workflow id or server). Run it over the open workflows before deploying a new worker (README,
 * upgrade steps). Tested as built in test/replay/replay-command.test.ts.
 */
import 'reflect-metadata';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { runReplayCommand } from '../src/replay/replay-command';

// The replay worker's own state changes and the core's "Failing workflow task" warnings would
// bury the one line per history that matters.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});

const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
runReplayCommand(
  process.argv.slice(2),
  { out: (line) => console.log(line), err: (line) => console.error(line) },
  { workflows: bundlePath ? { workflowBundle: { codePath: bundlePath } } : undefined },
).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`replay: ${String(error)}`);
    process.exit(2);
  },
);
