import { spawn, type ChildProcess } from 'node:child_process';
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
  startTimeoutMs?: number;
}

/** A `temporal server start-dev` child process owned by `npm start`. */
export class DevServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  static async start(options: DevServerOptions): Promise<DevServer> {
    const [host, port] = splitAddress(options.address);
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
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
      // Its own process group: Ctrl-C reaches npm start, which then stops the server in order.
      { stdio: ['ignore', log, log], detached: true },
    );
    fs.closeSync(log);
    let exit: string | undefined;
    child.once('exit', (code, signal) => {
      exit = `exited with ${signal ?? `code ${code}`}`;
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exit) {
        throw new Error(
          `Temporal dev server ${exit} before it was ready; last lines of ${options.logFile}:\n${tail(options.logFile)}`,
        );
      }
      if (await isReachable(options.address)) return new DevServer(child, options.logFile);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `Temporal dev server did not answer on ${options.address} within the start timeout; see ${options.logFile}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
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

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), Number(address.slice(index + 1))];
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
