/**
 * `npm run replay -- --workflow-id <id> [--run-id <run>]`  a workflow from the configured server
 * `npm run replay -- --file <history.json>`                 an exported history (repeatable)
 * `npm run replay -- --open`                                 every open workflow of this product
 *
 * Replays against the current workflow code; prints OK or the first mismatch for each; exits 1
 * when any mismatches. Run it over the open workflows before deploying a new worker.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config/load-config';
import {
  formatOutcome,
  readHistoryFile,
  replayHistories,
  type NamedHistory,
} from '../src/replay/replay-histories';

const USAGE =
  'usage: npm run replay -- --workflow-id <id> [--run-id <run>] | --file <history.json> [--file …] | --open';

async function fromServer(
  ids: string[],
  runId: string | undefined,
  open: boolean,
): Promise<NamedHistory[]> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const targets: Array<{ workflowId: string; runId?: string }> = ids.map((workflowId) => ({
      workflowId,
      runId,
    }));
    if (open) {
      const query = `ExecutionStatus = 'Running' AND WorkflowType IN ('dispatchPendingFiles', 'transcribeFile')`;
      for await (const execution of client.workflow.list({ query })) {
        targets.push({ workflowId: execution.workflowId, runId: execution.runId });
      }
    }
    return Promise.all(
      targets.map(async ({ workflowId, runId: run }) => ({
        name: run ? `${workflowId} (run ${run})` : workflowId,
        workflowId,
        history: await client.workflow.getHandle(workflowId, run).fetchHistory(),
      })),
    );
  } finally {
    await connection.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'workflow-id': { type: 'string', multiple: true },
      'run-id': { type: 'string' },
      file: { type: 'string', multiple: true },
      open: { type: 'boolean' },
    },
  });
  const ids = values['workflow-id'] ?? [];
  const files = values.file ?? [];
  if (ids.length === 0 && files.length === 0 && !values.open) {
    console.error(USAGE);
    return 2;
  }
  const histories = [
    ...(await Promise.all(files.map(readHistoryFile))),
    ...(ids.length > 0 || values.open
      ? await fromServer(ids, values['run-id'], Boolean(values.open))
      : []),
  ];
  if (histories.length === 0) {
    console.log('Nothing to replay: no open workflows');
    return 0;
  }
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const outcomes = await replayHistories(
    histories,
    bundlePath
      ? { workflowBundle: { codePath: bundlePath } }
      : { workflowsPath: require.resolve('../workflows') },
  );
  for (const outcome of outcomes) console.log(formatOutcome(outcome));
  const failed = outcomes.filter((outcome) => !outcome.ok).length;
  console.log(`replay: ${outcomes.length - failed} OK, ${failed} mismatched`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`replay: ${(error as Error).message}`);
    process.exit(2);
  },
);
