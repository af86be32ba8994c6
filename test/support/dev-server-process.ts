import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { isReachable } from '../../src/temporal/dev-server';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { locateTemporalCli } from '../../src/temporal/temporal-binaries';

/**
 * A `temporal server start-dev` process on a fixed port and SQLite file that a test can stop and
 * start again: the same state (workflows, timers, schedules) comes back after a restart.
 */
export class RestartableDevServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    readonly port: number,
    readonly dbFile: string,
    readonly logFile: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once its frontend answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.child) throw new Error('dev server already running');
    const log = fs.openSync(this.logFile, 'a');
    const child = spawn(
      locateTemporalCli().path,
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--db-filename',
        this.dbFile,
        '--log-level',
        'error',
        ...CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    this.child = child;
    let exit: string | undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        exit = signal ?? `code ${code}`;
        resolve();
      }),
    );
    const deadline = Date.now() + timeoutMs;
    while (!(await isReachable(this.address))) {
      if (exit) {
        this.child = undefined;
        throw new Error(`dev server exited (${exit}) before it was ready; see ${this.logFile}`);
      }
      if (Date.now() > deadline) throw new Error(`dev server not ready within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the server: SIGTERM, or SIGKILL with `hard` (a crash). */
  async stop(hard = false): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
