import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES } from './search-attributes';

export interface DevServerOptions {
  cliPath: string;
  /** host:port of the frontend; the Web UI listens on uiPort. */
  address: string;
  uiPort: number;
  /** SQLite file: workflows and schedules survive restarts. */
  dbFile: string;
  logFile: string;
  /** Where the server's pid is kept, so a later `npm start` can adopt a server left running. */
  pidFile: string;
  startTimeoutMs?: number;
}

/**
 * A `temporal server start-dev` process owned by `npm start`. It runs in its own process group
 * (Ctrl-C reaches npm start, which stops the worker first and the server last), so it can
 * outlive an `npm start` that was killed: its pid file lets the next `npm start` adopt it.
 */
export class DevServer {
  private exitListeners: Array<(how: string) => void> = [];
  private exited = false;

  private constructor(
    readonly pid: number,
    private readonly pidFile: string,
    readonly logFile: string,
  ) {}

  static async start(options: DevServerOptions): Promise<DevServer> {
    const [host, port] = splitAddress(options.address);
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    // Only what this run writes is shown on failure, not the lines of earlier runs.
    const logOffset = fileSize(options.logFile);
    const log = fs.openSync(options.logFile, 'a');
    const child = spawn(
      options.cliPath,
      [
        'server',
        'start-dev',
        '--ip',
        host,
        '--port',
        String(port),
        '--ui-port',
        String(options.uiPort),
        '--db-filename',
        options.dbFile,
        '--ui-disable-news-fetch',
        '--log-level',
        'warn',
        ...CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    fs.closeSync(log);
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(
        `Temporal dev server could not be run (${options.cliPath}): ${error.message}`,
      );
    }
    // Written at once, not when the server answers: DATA_DIR is claimed from now on, and a
    // server whose npm start is killed while it starts is still found by the next one.
    writePidFile(options.pidFile, pid, options.dbFile);
    const server = new DevServer(pid, options.pidFile, options.logFile);
    let exit: string | undefined;
    child.once('exit', (code, signal) => {
      exit = `exited with ${signal ?? `code ${code}`}`;
      server.markExited(exit);
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exit) {
        fs.rmSync(options.pidFile, { force: true });
        throw new Error(startFailure(options, exit, readFrom(options.logFile, logOffset)));
      }
      if (await isReachable(options.address)) return server;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        fs.rmSync(options.pidFile, { force: true });
        throw new Error(
          `Temporal dev server did not answer on ${options.address} within the start timeout; see ${options.logFile}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /**
   * The dev server an earlier `npm start` left running on this database (it was killed, or its
   * start failed), if its pid file names a live process; else undefined. Throws when the npm
   * start that owns DATA_DIR still runs, whatever TEMPORAL_ADDRESS either uses: a second server
   * on the same SQLite file and demo store, or taking its server over, would break that one.
   */
  static adopt(options: Pick<DevServerOptions, 'pidFile' | 'dbFile' | 'logFile'>) {
    const recorded = readPidFile(options.pidFile);
    // A pid file copied along with its folder belongs to the original folder, not to this one.
    if (!recorded || !sameFile(recorded.dbFile, options.dbFile)) return undefined;
    if (isOtherNpmStart(recorded.owner)) {
      throw new Error(
        `DATA_DIR ${path.dirname(options.dbFile)} is in use by another npm start (pid ${recorded.owner}; its Temporal dev server is pid ${recorded.pid}). Stop that one first (Ctrl-C in its terminal, or kill ${recorded.owner}), or give this one another DATA_DIR (and its own ports).`,
      );
    }
    const commandLine = commandLineOf(recorded.pid);
    if (
      !isAlive(recorded.pid) ||
      (commandLine !== undefined && !commandLine.includes(recorded.dbFile))
    ) {
      return undefined;
    }
    writePidFile(options.pidFile, recorded.pid, recorded.dbFile);
    const server = new DevServer(recorded.pid, options.pidFile, options.logFile);
    server.watchPid();
    return server;
  }

  /** Called once if the server exits before stop() was asked for. */
  onUnexpectedExit(listener: (how: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its pid file. */
  async stop(): Promise<void> {
    this.exitListeners = [];
    if (!this.exited && isAlive(this.pid)) {
      process.kill(this.pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isAlive(this.pid)) {
        if (Date.now() > deadline) {
          process.kill(this.pid, 'SIGKILL');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    fs.rmSync(this.pidFile, { force: true });
  }

  private markExited(how: string): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(how);
  }

  /** An adopted server is not our child: notice its exit by polling. */
  private watchPid(): void {
    const timer = setInterval(() => {
      if (!isAlive(this.pid)) {
        clearInterval(timer);
        this.markExited('exited');
      }
    }, 1_000);
    timer.unref();
  }
}

/** The server's pid, its database, and the npm start that owns it (this process). */
function writePidFile(pidFile: string, pid: number, dbFile: string): void {
  fs.writeFileSync(pidFile, `${pid}\n${dbFile}\n${process.pid}\n`);
}

function readPidFile(pidFile: string): { pid: number; dbFile: string; owner: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const [pidLine, dbFile, ownerLine] = lines;
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !dbFile) return undefined;
  return { pid, dbFile, owner: Number(ownerLine) };
}

/** Same path, or the same file reached through a symlinked folder. */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return (
      path.basename(a) === path.basename(b) &&
      fs.realpathSync(path.dirname(a)) === fs.realpathSync(path.dirname(b))
    );
  } catch {
    return false;
  }
}

/**
 * Whether pid is a live npm start other than this one. A pid file that outlived a reboot may
 * name a pid since given to another program: where /proc tells, only a node process counts.
 */
function isOtherNpmStart(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return false;
  const program = argumentsOf(pid)?.[0];
  return !program || /node/i.test(path.basename(program));
}

/** True when a Temporal frontend answers at this address. */
export async function isReachable(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1_000 });
    try {
      await connection.healthService.check({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Why the server did not start, with the fix when the log shows a known cause. */
function startFailure(options: DevServerOptions, exit: string, log: string): string {
  const portInUse = /(\d+)[^\n]*address already in use/.exec(log);
  if (portInUse) {
    const port = Number(portInUse[1]);
    const variable =
      port === options.uiPort ? 'TEMPORAL_UI_PORT' : 'TEMPORAL_ADDRESS (host:port of the server)';
    return `Temporal dev server ${exit}: port ${port} is already in use by another process. Stop that process (e.g. "ss -ltnp 'sport = :${port}'" shows it), or set ${variable} to a free port.`;
  }
  const lines = log.trimEnd().split('\n').slice(-15).join('\n') || '(nothing logged)';
  return `Temporal dev server ${exit} before it was ready; what it logged (${options.logFile}):\n${lines}`;
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), Number(address.slice(index + 1))];
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line; undefined where there is no /proc (macOS): then the pid file
 * and a live process are all there is to go on. */
function commandLineOf(pid: number): string | undefined {
  return argumentsOf(pid)?.join(' ');
}

/** Its argv ([] when unreadable); undefined where there is no /proc. */
function argumentsOf(pid: number): string[] | undefined {
  if (!fs.existsSync('/proc/self')) return undefined;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
