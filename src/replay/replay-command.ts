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
  replayHistoryStream,
  whyNotReplayable,
  type NamedHistory,
} from './replay-histories';
import { WORKFLOW_TYPES } from '../../workflows/workflow-types';

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

/**
 * Histories fetched from the server at most this many at a time (ahead of the replay, which
 * takes one at a time): `--open` over a backlog of thousands of file workflows must not send
 * thousands of GetWorkflowExecutionHistory calls at once, nor hold every history in memory.
 */
export const HISTORY_FETCH_CONCURRENCY = 10;

const OPEN_WORKFLOWS_QUERY = `ExecutionStatus = 'Running' AND WorkflowType IN (${WORKFLOW_TYPES.map(
  (type) => `'${type}'`,
).join(', ')})`;

/** gRPC status INVALID_ARGUMENT: what the server answers for a run id that is not a UUID. */
const GRPC_INVALID_ARGUMENT = 3;

interface FetchTarget {
  workflowId: string;
  runId?: string;
  /** Listed by --open (may close and disappear before its history is fetched). */
  listed: boolean;
}

type Fetched =
  | NamedHistory
  | { name: string; gone: true }
  /** Listed by --open but not replayable yet (no workflow task so far). */
  | { name: string; skipped: string };

/**
 * Yields the results of `fetch` in the order of `items`, with at most `limit` fetches in flight.
 * Stops fetching when the consumer stops; a failed fetch rethrows when its turn comes.
 */
export async function* mapConcurrent<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fetch: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Array<Promise<R>> = [];
  for await (const item of items) {
    const pending = fetch(item);
    // Awaited in turn below; until then a rejection must not count as unhandled.
    pending.catch(() => undefined);
    window.push(pending);
    if (window.length >= limit) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
}

class ServerHistories {
  private constructor(
    private readonly connection: Connection,
    private readonly client: Client,
    private readonly address: string,
    private readonly namespace: string,
  ) {}

  static async connect(options: ReplayCommandOptions): Promise<ServerHistories> {
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
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      await connection.close();
      if (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND) {
        throw new ReplayInputError(
          `namespace ${namespace} (TEMPORAL_NAMESPACE) does not exist on ${address}`,
          { cause: error },
        );
      }
      throw new ReplayInputError(
        `cannot read namespace ${namespace} on ${address}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new ServerHistories(
      connection,
      new Client({ connection, namespace }),
      address,
      namespace,
    );
  }

  /** The given workflows, then (with `open`) every open workflow of this product. */
  histories(ids: string[], runId: string | undefined, open: boolean): AsyncGenerator<Fetched> {
    const client = this.client;
    async function* targets(): AsyncGenerator<FetchTarget> {
      for (const workflowId of ids) yield { workflowId, runId, listed: false };
      if (!open) return;
      for await (const execution of client.workflow.list({ query: OPEN_WORKFLOWS_QUERY })) {
        yield { workflowId: execution.workflowId, runId: execution.runId, listed: true };
      }
    }
    return mapConcurrent(targets(), HISTORY_FETCH_CONCURRENCY, (target) => this.fetch(target));
  }

  private async fetch({ workflowId, runId, listed }: FetchTarget): Promise<Fetched> {
    const name = runId && !listed ? `${workflowId} (run ${runId})` : workflowId;
    let history;
    try {
      history = await this.client.workflow.getHandle(workflowId, runId).fetchHistory();
    } catch (error) {
      const notFound =
        error instanceof WorkflowNotFoundError ||
        (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND);
      // Listed as running a moment ago, closed and deleted since: nothing left to replay.
      if (notFound && listed) return { name, gone: true };
      if (notFound) {
        throw new ReplayInputError(
          `no workflow ${workflowId}${runId ? ` with run ${runId}` : ''} in namespace ` +
            `${this.namespace} on ${this.address} (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE)`,
          { cause: error },
        );
      }
      if (error instanceof NamespaceNotFoundError) {
        throw new ReplayInputError(
          `namespace ${this.namespace} (TEMPORAL_NAMESPACE) does not exist on ${this.address}`,
          { cause: error },
        );
      }
      if (isGrpcServiceError(error) && Number(error.code) === GRPC_INVALID_ARGUMENT) {
        throw new ReplayInputError(
          `the server refused to fetch ${name}: ${error.details}` +
            (runId
              ? `; --run-id takes a run id (a UUID) as the Web UI or "temporal workflow describe" shows it`
              : ''),
          { cause: error },
        );
      }
      throw error;
    }
    const unusable = whyNotReplayable(history);
    if (unusable && listed) return { name, skipped: unusable };
    if (unusable) throw new ReplayInputError(`${name}: ${unusable}`);
    return { name, workflowId, history };
  }

  async close(): Promise<void> {
    await this.connection.close();
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
    // Files are read (and checked) up front: a bad one ends the command before any replay.
    const fileHistories = await Promise.all(files.map(readHistoryFile));
    const runId = values['run-id'];
    const open = Boolean(values.open);
    const server = ids.length > 0 || open ? await ServerHistories.connect(options) : undefined;
    try {
      let gone = 0;
      let skipped = 0;
      // Fetched while earlier histories replay, a few at a time; printed as each one replays.
      async function* histories(): AsyncGenerator<NamedHistory> {
        yield* fileHistories;
        if (!server) return;
        for await (const fetched of server.histories(ids, runId, open)) {
          if ('gone' in fetched) {
            gone += 1;
            io.out(`GONE     ${fetched.name}: closed and deleted before its history was fetched`);
          } else if ('skipped' in fetched) {
            skipped += 1;
            io.out(`SKIPPED  ${fetched.name}: ${fetched.skipped}`);
          } else {
            yield fetched;
          }
        }
      }
      let replayed = 0;
      let failed = 0;
      for await (const outcome of replayHistoryStream(
        histories(),
        options.workflows ?? { workflowsPath: require.resolve('../../workflows') },
      )) {
        replayed += 1;
        if (!outcome.ok) failed += 1;
        io.out(formatOutcome(outcome));
        if (!outcome.ok && verbose) io.out(`         ${outcome.error}`);
      }
      if (replayed === 0 && gone === 0 && skipped === 0) {
        io.out('Nothing to replay: no open workflows');
        return ReplayExitCode.Ok;
      }
      io.out(
        `replay: ${replayed} replayed, ${replayed - failed} OK, ${failed} mismatched` +
          (gone > 0 ? `, ${gone} gone before they could be fetched` : '') +
          (skipped > 0 ? `, ${skipped} not replayable yet` : ''),
      );
      return failed > 0 ? ReplayExitCode.Mismatch : ReplayExitCode.Ok;
    } finally {
      await server?.close();
    }
  } catch (error) {
    const known = error instanceof HistoryFileError || error instanceof ReplayInputError;
    io.err(`replay: ${error instanceof Error ? error.message : String(error)}`);
    if (!known && verbose && error instanceof Error && error.stack) io.err(error.stack);
    return ReplayExitCode.Error;
  }
}
