/**
 * `npm start` (src/start.ts) as real processes in their own process groups, as a terminal runs
 * them: a bad DATA_DIR is refused in one line before anything starts; a second npm start on the
 * same DATA_DIR is refused whatever its TEMPORAL_ADDRESS; the dev server a killed one left
 * running is adopted at the same address, and stopped before another is started elsewhere.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freeLoopbackPort } from '../src/metrics/free-port';
import { LOADER } from './support/worker-process';

const REPO_ROOT = path.resolve(__dirname, '..');

interface NpmStart {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** How it exited; rejects with its output if it still runs after timeoutMs. */
  exitWithin(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the output matches; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

let dir: string;
let bundlePath: string;
const started: NpmStart[] = [];
/** Dev server pids seen in a pid file: killed at the end, whatever the test did. */
const devServerPids = new Set<number>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'npm-start-'));
  // Bundled once here instead of at every start, as the production image does.
  bundlePath = path.join(dir, 'workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
  });
  fs.writeFileSync(bundlePath, bundle.code);
});

afterAll(async () => {
  for (const child of started) killGroup(child.pid, 'SIGKILL');
  await Promise.all(started.map((child) => child.exited));
  for (const pid of [...devServerPids, ...devServersUnder(dir)]) killGroup(pid, 'SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** src/start.ts run from the sources (see worker-process.ts), configured by env only. */
function spawnNpmStart(env: Record<string, string>): NpmStart {
  const child = spawn(process.execPath, ['-e', LOADER], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_FORMAT: 'pretty',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      ...env,
      WORKER_PROCESS_ENTRY: path.join(REPO_ROOT, 'src', 'start.ts'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as in a terminal: `kill -9 -- -<pgid>` reaches it and not Jest.
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    }),
  );
  const npmStart: NpmStart = {
    pid: child.pid!,
    exited,
    output: () => output,
    exitWithin: (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`npm start still runs after ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
      });
      return Promise.race([exited, late]).finally(() => clearTimeout(timer));
    },
    waitFor: async (pattern, timeoutMs = 90_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (hasExited) throw new Error(`npm start exited before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
  started.push(npmStart);
  return npmStart;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

/** A live process (or group, for a negative pid); an exited one not yet reaped does not count. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Dev servers on a database under this folder, also those no pid file names (a failed test). */
function devServersUnder(folder: string): number[] {
  if (!fs.existsSync('/proc/self')) return [];
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        return commandLine.includes('start-dev') && commandLine.includes(folder);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The pid file's lines: the dev server, its database, the npm start that owns it. */
function readPidFile(dataDir: string): { server: number; dbFile: string; owner: number } {
  const [server, dbFile, owner] = fs
    .readFileSync(path.join(dataDir, 'temporal-dev-server.pid'), 'utf8')
    .split('\n');
  devServerPids.add(Number(server));
  return { server: Number(server), dbFile, owner: Number(owner) };
}

/** One npm start's own ports (never the defaults: a local npm start may hold them). */
async function ports(): Promise<Record<string, string>> {
  return {
    PORT: String(await freeLoopbackPort()),
    TEMPORAL_ADDRESS: `127.0.0.1:${await freeLoopbackPort()}`,
    TEMPORAL_UI_PORT: String(await freeLoopbackPort()),
    SIMULATOR_PORT: '0',
    WORKER_METRICS_PORT: '0',
  };
}

const READY = /Task queue:/;

describe('a bad DATA_DIR', () => {
  test.each([
    ['a file', () => path.join(dir, 'a-file'), 'is a file, not a directory'],
    ['under a device', () => '/dev/null/x', 'cannot be created: /dev/null is a device'],
    ['under /proc (a recursive mkdir there never returns)', () => '/proc/nope', 'is on /proc'],
  ])(
    'is refused in one line naming DATA_DIR, the path and the fix, with nothing left running: %s',
    async (_, dataDir, problem) => {
      fs.writeFileSync(path.join(dir, 'a-file'), 'not a folder\n');
      const child = spawnNpmStart({ ...(await ports()), DATA_DIR: dataDir() });
      expect(await child.exitWithin(30_000)).toEqual({ code: 1, signal: null });
      const lines = child.output().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`npm start: failed to start: DATA_DIR ${dataDir()} ${problem}`);
      expect(lines[0]).toContain('Set DATA_DIR to a folder this user can write');
      // Its process group is empty: nothing was started.
      expect(isAlive(-child.pid)).toBe(false);
    },
  );
});

test("a second npm start on the same DATA_DIR is refused whatever its address; a killed one's dev server is adopted at its address, stopped before one starts at another", async () => {
  const dataDir = path.join(dir, 'shared-data');
  const firstPorts = await ports();
  const first = spawnNpmStart({ ...firstPorts, DATA_DIR: dataDir });
  await first.waitFor(READY);
  const owned = readPidFile(dataDir);
  expect(owned).toEqual({
    server: expect.any(Number),
    dbFile: path.join(dataDir, 'temporal.sqlite'),
    owner: first.pid,
  });

  // The tester's case (another TEMPORAL_ADDRESS and ports), and the same address as the first.
  for (const env of [
    await ports(),
    { ...(await ports()), TEMPORAL_ADDRESS: firstPorts.TEMPORAL_ADDRESS },
  ]) {
    const second = spawnNpmStart({ ...env, DATA_DIR: dataDir });
    expect(await second.exitWithin(30_000)).toEqual({ code: 1, signal: null });
    expect(second.output()).toContain(
      `npm start: failed to start: DATA_DIR ${dataDir} is in use by another npm start (pid ${first.pid}; its Temporal dev server is pid ${owned.server}). Stop that one first (Ctrl-C in its terminal, or kill ${first.pid}), or give this one another DATA_DIR`,
    );
    expect(second.output()).not.toContain('Starting the Temporal dev server');
    expect(readPidFile(dataDir)).toEqual(owned);
    expect(isAlive(-second.pid)).toBe(false);
  }

  // kill -9 of its process group: its dev server (a group of its own) is left running.
  killGroup(first.pid, 'SIGKILL');
  await first.exited;
  expect(isAlive(owned.server)).toBe(true);

  // At the same address: adopted, and stopped with the npm start that adopted it.
  const adopting = spawnNpmStart({
    ...(await ports()),
    TEMPORAL_ADDRESS: firstPorts.TEMPORAL_ADDRESS,
    DATA_DIR: dataDir,
  });
  await adopting.waitFor(READY);
  expect(adopting.output()).toContain(
    `Using the Temporal dev server an earlier npm start left running (pid ${owned.server}`,
  );
  expect(readPidFile(dataDir)).toEqual({ ...owned, owner: adopting.pid });
  killGroup(adopting.pid, 'SIGKILL');
  await adopting.exited;

  // At another address: the leftover is stopped first, so that one server uses the SQLite file.
  const elsewhere = spawnNpmStart({ ...(await ports()), DATA_DIR: dataDir });
  await elsewhere.waitFor(READY);
  expect(elsewhere.output()).toContain(
    `Stopping the Temporal dev server an earlier npm start left running (pid ${owned.server})`,
  );
  expect(isAlive(owned.server)).toBe(false);
  const replaced = readPidFile(dataDir);
  expect(replaced).toEqual({ ...owned, server: expect.any(Number), owner: elsewhere.pid });
  expect(replaced.server).not.toBe(owned.server);

  // Ctrl-C: everything stops, the pid file goes.
  killGroup(elsewhere.pid, 'SIGINT');
  expect((await elsewhere.exited).code).toBe(0);
  expect(isAlive(replaced.server)).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'temporal-dev-server.pid'))).toBe(false);
}, 300_000);
