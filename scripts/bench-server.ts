/**
 * The bench's own Temporal dev server: the project's CLI (locateTemporalCli, never a download),
 * in memory (no --db-filename), headless, on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { isReachable } from '../src/temporal/dev-server';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';

export interface BenchServer {
  address: string;
  pid: number;
  /** SIGTERM, SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once (last resort, from a synchronous 'exit' handler). */
  kill(): void;
}

/**
 * `temporal server start-dev` turns on system.forceSearchAttributesCacheRefreshOnRead so that
 * attributes created at run time show at once; then every child start with search attributes
 * re-reads the cluster metadata (about ten more store calls per file, measured). A production
 * server keeps the default, false; the bench registers its attributes at server start and does
 * the same.
 */
const DYNAMIC_CONFIG = ['system.forceSearchAttributesCacheRefreshOnRead=false'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

class ExitedEarly extends Error {}

/** Starts the server and resolves once its frontend answers (a new port if one was taken). */
export async function startBenchServer(cliPath: string, logFile: string): Promise<BenchServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(cliPath, logFile);
    } catch (error) {
      if (!(error instanceof ExitedEarly) || attempt === 3) throw error;
    }
  }
}

async function startOnce(cliPath: string, logFile: string): Promise<BenchServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    cliPath,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--headless',
      '--log-level',
      'warn',
      ...CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      ...DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]),
    ],
    // Its own process group: a Ctrl-C reaches the bench only, which stops the server in order.
    { stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const server: BenchServer = {
    address,
    pid: child.pid!,
    stop: async () => {
      if (!isRunning(child)) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    kill: () => {
      if (isRunning(child)) child.kill('SIGKILL');
    },
  };
  const deadline = Date.now() + 60_000;
  while (!(await isReachable(address))) {
    if (spawnError) throw new Error(`cannot run ${cliPath}: ${spawnError.message}`);
    if (!isRunning(child)) {
      throw new ExitedEarly(
        `the Temporal dev server exited before it was ready:\n${tail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(
        `the Temporal dev server did not answer on ${address} within 60 s:\n${tail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return server;
}
