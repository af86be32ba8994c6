/**
 * One bench run: an in-memory dev server, the worker process (with the store and the simulator),
 * one dispatch of N files, its figures. Whatever happens (error, timeout, Ctrl-C) it stops what
 * it started; a second Ctrl-C kills it all at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { DispatchResult, dispatchPendingFiles } from '../workflows/dispatch-pending-files';
import { locateTemporalCli } from '../src/temporal/temporal-binaries';
import type { BenchOptions } from './bench-args';
import { readCpuProfiles } from './bench-cpu-profile';
import { idealMs, type BenchFigures } from './bench-figures';
import { readDispatchHistory } from './bench-history';
import { cpuTimeMs, machineBusyMs, rssKb } from './bench-proc';
import type { DriverMessage, WorkerMessage } from './bench-protocol';
import { startBenchServer, type BenchServer } from './bench-server';

/** File workflows whose own histories are read for the slot cycle. */
const SAMPLED_FILES = 20;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class BenchInterrupted extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}; everything the bench started is stopped`);
    this.name = 'BenchInterrupted';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The worker process's next message of this type; rejects on its error or exit. */
function nextMessage<K extends WorkerMessage['type']>(
  child: ChildProcess,
  type: K,
): Promise<Extract<WorkerMessage, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'error') reject(new Error(`worker process: ${message.message}`));
      else if (message.type === type) resolve(message as Extract<WorkerMessage, { type: K }>);
      else return;
      done();
    };
    const onExit = (code: number | null, signal: string | null): void => {
      reject(new Error(`the worker process exited (${signal ?? `code ${code}`}) before "${type}"`));
      done();
    };
    const done = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

export async function runBench(
  options: BenchOptions,
  log: (message: string) => void,
): Promise<BenchFigures> {
  const { files, concurrency, window, latencyMs } = options;
  let server: BenchServer | undefined;
  let worker: ChildProcess | undefined;
  let connection: Connection | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'transcription-bench-'));
  let keepTmp = false;

  const killAll = (): void => {
    if (isRunning(worker)) worker.kill('SIGKILL');
    server?.kill();
  };
  let interrupt: ((error: Error) => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  interrupted.catch(() => undefined);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      log(`${signal} again: killing everything now`);
      killAll();
      process.exit(130);
    }
    signalled = true;
    log(`${signal}: stopping everything the bench started (again to kill at once)`);
    interrupt?.(new BenchInterrupted(signal));
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', killAll);
  const guard = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, interrupted]);

  try {
    const cli = locateTemporalCli();
    const logFile = path.join(tmp, 'temporal-server.log');
    server = await guard(startBenchServer(cli.path, logFile));
    log(`dev server on ${server.address} (pid ${server.pid}), in memory, from ${cli.path}`);

    // Built ahead of time, as in the production image: the worker's RSS is not webpack's.
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    const { code } = await guard(
      bundleWorkflowCode({
        workflowsPath: require.resolve('../workflows'),
        logger: new DefaultLogger('WARN'),
      }),
    );
    fs.writeFileSync(bundlePath, code);

    const profileDir = options.cpuProfDir && path.resolve(options.cpuProfDir);
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    worker = fork(path.join(__dirname, 'bench-worker.js'), [], {
      // The worker's Node flags as `npm run worker` and the production image run it.
      execArgv: [
        '--max-semi-space-size=4',
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ],
      // Its own process group, so a Ctrl-C reaches the bench only; its output goes to stderr.
      detached: true,
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    const workerProcess = worker;
    const taskQueue = `bench-${randomUUID()}`;
    const ready = nextMessage(workerProcess, 'ready');
    workerProcess.send({
      type: 'start',
      options: {
        address: server.address,
        taskQueue,
        files,
        concurrency,
        window,
        latencyMs,
        bundlePath,
        serverPid: server.pid,
        tmpDir: tmp,
      },
    } satisfies DriverMessage);
    await guard(withTimeout(ready, 120_000, 'the worker start-up'));
    log(
      `worker process ready (pid ${workerProcess.pid}): ${files} pending files, simulator capacity ${concurrency}, ${latencyMs} ms per file, ${window} files in flight`,
    );
    workerProcess.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') log(`${message.transcribed}/${files} files transcribed`);
    });
    const workerExit = new Promise<never>((_, reject) =>
      workerProcess.once('exit', (code, signal) =>
        reject(new Error(`the worker process exited (${signal ?? `code ${code}`}) during the run`)),
      ),
    );
    workerExit.catch(() => undefined);

    connection = await guard(Connection.connect({ address: server.address }));
    const client = new Client({ connection });
    const workflowId = `bench-dispatch-${randomUUID()}`;
    const readyKb = rssKb(workerProcess.pid!, 'VmRSS');
    const cpuBefore = {
      worker: cpuTimeMs(workerProcess.pid!),
      server: cpuTimeMs(server.pid),
      machine: machineBusyMs(),
      bench: process.cpuUsage(),
    };

    // The trigger: one dispatch, started as the schedule's action starts it.
    const triggeredAt = Date.now();
    const handle = await guard(
      client.workflow.start<typeof dispatchPendingFiles>('dispatchPendingFiles', {
        workflowId,
        taskQueue,
        args: [{}],
      }),
    );
    const timeoutMs = 120_000 + 3 * idealMs(files, concurrency, latencyMs) + 500 * files;
    const result: DispatchResult = await guard(
      Promise.race([
        withTimeout(handle.result(), timeoutMs, `the dispatch of ${files} files`),
        workerExit,
      ]),
    );
    const makespanMs = Date.now() - triggeredAt;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const workerCpu = cpuTimeMs(workerProcess.pid!);
    const serverCpu = cpuTimeMs(server.pid);
    const machine = machineBusyMs();
    const peakKb = rssKb(workerProcess.pid!, 'VmHWM');
    log(`dispatch done in ${(makespanMs / 1000).toFixed(1)} s; reading its histories`);

    const history = await guard(
      readDispatchHistory(client, workflowId, handle.firstExecutionRunId, SAMPLED_FILES),
    );

    const stopped = nextMessage(workerProcess, 'stopped');
    workerProcess.send({ type: 'stop' } satisfies DriverMessage);
    const counts = await guard(withTimeout(stopped, 60_000, 'the worker shutdown'));
    if (isRunning(workerProcess))
      await guard(new Promise((resolve) => workerProcess.once('exit', resolve)));

    const diff = (after?: number, before?: number): number | undefined =>
      after === undefined || before === undefined ? undefined : after - before;
    const cpu = {
      workerMs: diff(workerCpu, cpuBefore.worker),
      serverMs: diff(serverCpu, cpuBefore.server),
      otherMs: undefined as number | undefined,
    };
    const machineMs = diff(machine, cpuBefore.machine);
    if (machineMs !== undefined && cpu.workerMs !== undefined && cpu.serverMs !== undefined) {
      const benchMs = (benchCpu.user + benchCpu.system) / 1000;
      cpu.otherMs = Math.max(0, machineMs - cpu.workerMs - cpu.serverMs - benchMs);
    }

    const problems: string[] = [];
    if (result.succeeded !== files) {
      problems.push(
        `the dispatch reports ${result.succeeded} of ${files} files succeeded: ${JSON.stringify(result)}`,
      );
    }
    if (counts.completed !== files)
      problems.push(`${counts.completed} of ${files} rows are completed in the store`);
    if (counts.maxRequestsPerFile > 1)
      problems.push('a file was sent to the transcriber twice at once');

    const ideal = idealMs(files, concurrency, latencyMs);
    return {
      files,
      concurrency,
      window,
      latencyMs,
      makespanMs,
      idealMs: ideal,
      ratio: makespanMs / ideal,
      filesPerSecond: files / (makespanMs / 1000),
      firstChildMs:
        history.firstChildStartedAt === undefined
          ? undefined
          : history.firstChildStartedAt - triggeredAt,
      maxHistoryEvents: history.maxEvents,
      continueAsNewRuns: history.runs - 1,
      dispatchWorkflowTasks: history.dispatchWorkflowTasks,
      workerPeakRssMb: peakKb === undefined ? undefined : peakKb / 1024,
      workerReadyRssMb: readyKb === undefined ? undefined : readyKb / 1024,
      cpu,
      cycle: history.cycle,
      cpuProfile: profileDir ? readCpuProfiles(profileDir, workerProcess.pid!) : undefined,
      problems,
    };
  } catch (error) {
    if (server && !(error instanceof BenchInterrupted)) {
      keepTmp = true;
      log(`the dev server's log is kept in ${tmp}`);
    }
    throw error;
  } finally {
    await connection?.close().catch(() => undefined);
    if (isRunning(worker)) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
    }
    await server?.stop();
    if (!keepTmp) fs.rmSync(tmp, { recursive: true, force: true });
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('exit', killAll);
  }
}
