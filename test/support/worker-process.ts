import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/**
 * `npm run worker` as a separate process that a test can SIGKILL or SIGTERM: src/worker.ts, the
 * production entry point, run straight from the TypeScript sources (transpiled on load, so no
 * `npm run build` is needed and the code is always the current one). Configuration comes from
 * the environment only, exactly as in production.
 */
export interface WorkerProcess {
  readonly pid: number;
  /** Resolves when the worker logs that it polls its task queue. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGKILL unless it has exited already; resolves when it has. */
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Registers a `.ts` loader (TypeScript's transpileModule, the compiler options of tsconfig.json)
 * and requires the entry point. Runs as `node -e`; kept in one string so the child needs no
 * build step and no extra dependency.
 */
export const LOADER = `
const fs = require('node:fs');
const ts = require('typescript');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  isolatedModules: true,
  inlineSourceMap: true,
};
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const output = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(output.outputText, filename);
};
require(process.env.WORKER_PROCESS_ENTRY);
`;

const READY_LINE = /Worker on task queue/;

export function spawnWorkerProcess(
  env: Record<string, string>,
  options: { startTimeoutMs?: number } = {},
): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['-e', LOADER], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...env,
      WORKER_PROCESS_ENTRY: path.join(REPO_ROOT, 'src', 'worker.ts'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`worker process did not get ready in time; its output:\n${output}`));
    }, options.startTimeoutMs ?? 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (READY_LINE.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`worker process exited (${signal ?? `code ${code}`}) before ready:\n${output}`),
      );
    });
  });
  // A rejection nobody waits for (the process was killed on purpose) must not fail the test run.
  ready.catch(() => undefined);
  return {
    pid: child.pid!,
    ready,
    exited,
    output: () => output,
    kill: (signal) => {
      if (!exitInfo) child.kill(signal);
    },
    stop: async () => {
      if (!exitInfo) child.kill('SIGKILL');
      await exited;
    },
  };
}
