/**
 * The `npm run replay` command (scripts/replay.ts is its entry point), kept here so tests can run
 * it in-process and check its output and exit codes.
 */
import { parseArgs } from 'node:util';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../config/load-config';
import {
  formatOutcome,
  HistoryFileError,
  readHistoryFile,
  replayHistories,
  type NamedHistory,
} from './replay-histories';

export const ReplayExitCode = {
  /** Every history replayed. */
  Ok: 0,
  /** At least one history does not replay against the current code. */
  Mismatch: 1,
  /** Bad arguments, unreadable file, unknown workflow, unreachable server: nothing was proven. */
  Error: 2,
} as const;
export type ReplayExitCode = (typeof ReplayExitCode)[keyof typeof ReplayExitCode];

export const REPLAY_USAGE = [
  'usage: npm run replay -- --workflow-id <id> [--run-id <run>]   a workflow on the configured server',
  '       npm run replay -- --file <history.json> [--file …]       exported histories',
  '       npm run replay -- --open                                  every open workflow of this product',
  '       add --verbose to print the SDK’s full message for each mismatch',
  'exit codes: 0 all OK, 1 a mismatch, 2 nothing could be replayed (see the message)',
].join('\n');

export interface ReplayCommandIo {
  out(line: string): void;
  err(line: string): void;
}

export interface ReplayCommandOptions {
  /** The workflow code to replay against; default: this checkout's workflows/ (bundled now). */
  workflows?: Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle'>;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the Temporal server (default 10 s). */
  connectTimeoutMs?: number;
}

class ReplayInputError extends Error {}

/** gRPC status NOT_FOUND: what fetching the history of an unknown workflow id answers. */
const GRPC_NOT_FOUND = 5;

async function fromServer(
  ids: string[],
  runId: string | undefined,
  open: boolean,
  options: ReplayCommandOptions,
): Promise<NamedHistory[]> {
  const config = loadConfig(options.env ?? process.env);
  const { address, namespace } = config.temporal;
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
    });
  } catch (error) {
    throw new ReplayInputError(
      `cannot reach the Temporal server at ${address} (TEMPORAL_ADDRESS): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const client = new Client({ connection, namespace });
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
    return await Promise.all(
      targets.map(async ({ workflowId, runId: run }) => {
        try {
          return {
            name: run ? `${workflowId} (run ${run})` : workflowId,
            workflowId,
            history: await client.workflow.getHandle(workflowId, run).fetchHistory(),
          };
        } catch (error) {
          if (
            error instanceof WorkflowNotFoundError ||
            (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND)
          ) {
            throw new ReplayInputError(
              `no workflow ${workflowId}${run ? ` with run ${run}` : ''} in namespace ` +
                `${namespace} on ${address} (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE)`,
              { cause: error },
            );
          }
          if (error instanceof NamespaceNotFoundError) {
            throw new ReplayInputError(
              `namespace ${namespace} (TEMPORAL_NAMESPACE) does not exist on ${address}`,
              { cause: error },
            );
          }
          throw error;
        }
      }),
    );
  } finally {
    await connection.close();
  }
}

/** Runs the command; returns its exit code. Never throws. */
export async function runReplayCommand(
  argv: string[],
  io: ReplayCommandIo,
  options: ReplayCommandOptions = {},
): Promise<ReplayExitCode> {
  let verbose = argv.includes('--verbose');
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          'workflow-id': { type: 'string', multiple: true },
          'run-id': { type: 'string' },
          file: { type: 'string', multiple: true },
          open: { type: 'boolean' },
          verbose: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (error) {
      io.err(`replay: ${(error as Error).message}`);
      io.err(REPLAY_USAGE);
      return ReplayExitCode.Error;
    }
    verbose = Boolean(values.verbose);
    if (values.help) {
      io.out(REPLAY_USAGE);
      return ReplayExitCode.Ok;
    }
    const ids = values['workflow-id'] ?? [];
    const files = values.file ?? [];
    if (ids.length === 0 && files.length === 0 && !values.open) {
      io.err(REPLAY_USAGE);
      return ReplayExitCode.Error;
    }
    if (values['run-id'] && ids.length !== 1) {
      io.err('replay: --run-id needs exactly one --workflow-id');
      return ReplayExitCode.Error;
    }
    const histories = [
      ...(await Promise.all(files.map(readHistoryFile))),
      ...(ids.length > 0 || values.open
        ? await fromServer(ids, values['run-id'], Boolean(values.open), options)
        : []),
    ];
    if (histories.length === 0) {
      io.out('Nothing to replay: no open workflows');
      return ReplayExitCode.Ok;
    }
    const outcomes = await replayHistories(
      histories,
      options.workflows ?? { workflowsPath: require.resolve('../../workflows') },
    );
    for (const outcome of outcomes) {
      io.out(formatOutcome(outcome));
      if (!outcome.ok && verbose) io.out(`         ${outcome.error}`);
    }
    const failed = outcomes.filter((outcome) => !outcome.ok).length;
    io.out(`replay: ${outcomes.length - failed} OK, ${failed} mismatched`);
    return failed > 0 ? ReplayExitCode.Mismatch : ReplayExitCode.Ok;
  } catch (error) {
    const known = error instanceof HistoryFileError || error instanceof ReplayInputError;
    io.err(`replay: ${error instanceof Error ? error.message : String(error)}`);
    if (!known && verbose && error instanceof Error && error.stack) io.err(error.stack);
    return ReplayExitCode.Error;
  }
}
