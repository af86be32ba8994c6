/**
 * The benchmark (scripts/bench.ts, issue 7) runs end to end with a tiny backlog and prints its
 * summary line, and stops what it started, also on Ctrl-C. No timing is asserted: the figures
 * depend on the machine. Plus its argument checks and the simulator's `capacity`, which it uses.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import axios from 'axios';
import { BenchArgsError, parseBenchArgs, USAGE } from '../scripts/bench-args';
import { figureLines, summaryLine, type BenchFigures } from '../scripts/bench-figures';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { LocalFileStore } from '../src/files/local-file-store';

const ROOT = path.resolve(__dirname, '..');
const BENCH_JS = path.join(ROOT, 'dist', 'scripts', 'bench.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bench; `onStderr` sees its progress lines as they come. */
function bench(
  args: string[],
  onStderr?: (stderr: string, kill: () => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH_JS, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, () => child.kill('SIGINT'));
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The dev server's and the worker process's pids, from the bench's progress lines. */
function startedPids(stderr: string): number[] {
  return [/dev server on \S+ \(pid (\d+)\)/, /worker process ready \(pid (\d+)\)/]
    .map((pattern) => pattern.exec(stderr))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stillAlive(pids: number[]): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return pids.filter(isAlive);
}

describe('npm run bench', () => {
  // What `npm run bench` does first; the tests then run the built script.
  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 180_000);

  test('runs a tiny backlog to the end, one line per figure, the summary line last', async () => {
    // A window above the capacity (W=3, C=2): the extra request waits at the simulator.
    const result = await bench([
      '--files',
      '5',
      '--concurrency',
      '2',
      '--window',
      '3',
      '--latency-ms',
      '10',
    ]);

    expect(result.stdout).not.toMatch(/^PROBLEM/m);
    expect(result.code).toBe(0);
    for (const figure of [
      'makespan',
      'ideal',
      'ratio',
      'overhead per file',
      'throughput',
      'first child',
      'largest history',
      'continue-as-new',
      'worker peak RSS',
      'slot cycle',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^${figure}: `, 'm'));
    }
    expect(result.stdout).toMatch(
      /^window: 3 files in flight \(MAX_CONCURRENT_TRANSCRIPTIONS\) for a transcriber capacity of 2: up to 1 request waits in the transcriber's queue$/m,
    );
    expect(result.stdout).toMatch(/^ideal: .* = ceil\(5\/2\) × 10 ms$/m);
    expect(result.stderr).toContain('simulator capacity 2, 10 ms per file, 3 files in flight');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^bench: files=5 concurrency=2 latency_ms=10 ratio=\d+\.\d\d files_per_s=\d+\.\d\d rss_mb=\d+$/,
    );
    const pids = startedPids(result.stderr);
    expect(pids).toHaveLength(2);
    expect(await stillAlive(pids)).toEqual([]);
  }, 180_000);

  test('Ctrl-C stops the dev server and the worker process it started', async () => {
    let interrupted = false;
    const result = await bench(
      ['--files', '500', '--concurrency', '1', '--latency-ms', '200'],
      (stderr, interrupt) => {
        if (!interrupted && startedPids(stderr).length === 2) {
          interrupted = true;
          interrupt();
        }
      },
    );

    expect(interrupted).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stdout).not.toMatch(/^bench: /m);
    expect(await stillAlive(startedPids(result.stderr))).toEqual([]);
  }, 180_000);

  test('refuses a bad argument naming the flag, starting nothing', async () => {
    const result = await bench(['--files', '0']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bench: --files must be from 1 to 20000, got 0');
    expect(result.stderr).toContain('Usage: npm run bench');
    expect(result.stderr).not.toContain('dev server on');
  }, 60_000);
});

describe('parseBenchArgs', () => {
  test('defaults and both option forms', () => {
    expect(parseBenchArgs([])).toEqual({
      kind: 'run',
      options: { files: 200, concurrency: 8, window: 8, latencyMs: 100, cpuProfDir: undefined },
    });
    expect(
      parseBenchArgs([
        '--files=5000',
        '--concurrency',
        '50',
        '--latency-ms',
        '0',
        '--cpu-prof',
        'p',
      ]),
    ).toEqual({
      kind: 'run',
      options: { files: 5000, concurrency: 50, window: 50, latencyMs: 0, cpuProfDir: 'p' },
    });
    expect(parseBenchArgs(['--concurrency', '4', '--window', '12'])).toMatchObject({
      options: { concurrency: 4, window: 12 },
    });
    expect(parseBenchArgs(['--window=3'])).toMatchObject({
      options: { concurrency: 8, window: 3 },
    });
    expect(parseBenchArgs(['--window', '200', '--concurrency', '1'])).toMatchObject({
      options: { concurrency: 1, window: 200 },
    });
    expect(USAGE).toContain('--window W');
    expect(parseBenchArgs(['--table'])).toEqual({ kind: 'table' });
    expect(parseBenchArgs(['--files', 'x', '--help'])).toEqual({ kind: 'help' });
  });

  test.each<[string[], string]>([
    [['--files', 'abc'], '--files must be a whole number from 1 to 20000, got "abc"'],
    [['--files', '1.5'], '--files must be a whole number'],
    [['--files'], '--files needs a value'],
    [['--files', '--concurrency', '2'], '--files needs a value'],
    [['--concurrency', '201'], '--concurrency must be from 1 to 200, got 201'],
    [['--latency-ms', '-5'], '--latency-ms must be a whole number from 0 to 600000, got "-5"'],
    [['--files', '5', '--files', '6'], '--files is given twice'],
    [['--file', '5'], 'unknown option --file'],
    [['--window', '0'], '--window must be from 1 to 200, got 0'],
    [['--window', '201'], '--window must be from 1 to 200, got 201'],
    [['--window', '2x'], '--window must be a whole number from 1 to 200, got "2x"'],
    [['--window'], '--window needs a value: a whole number from 1 to 200'],
    [['--window', '--files', '5'], '--window needs a value'],
    [['--window', '2', '--window=3'], '--window is given twice'],
    [
      ['--windows', '5'],
      'unknown option --windows; the options are --files, --concurrency, --window, --latency-ms,',
    ],
    [['--table', '--window', '5'], '--table runs fixed scenarios and takes no other option'],
    [['5'], 'unexpected argument "5"'],
    [['--cpu-prof'], '--cpu-prof needs a folder'],
    [['--table', '--files', '5'], '--table runs fixed scenarios and takes no other option'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchArgsError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('bench figures with a window', () => {
  const figures = (window: number): BenchFigures => ({
    files: 400,
    concurrency: 8,
    window,
    latencyMs: 200,
    makespanMs: 12_000,
    idealMs: 10_000,
    ratio: 1.2,
    filesPerSecond: 400 / 12,
    maxHistoryEvents: 900,
    continueAsNewRuns: 1,
    dispatchWorkflowTasks: 500,
    workerPeakRssMb: 250.4,
    cpu: {},
    cycle: {
      childStart: 40,
      firstTaskWait: 40,
      firstTaskRun: 40,
      activity: 500,
      lastTask: 40,
      toParent: 40,
      refill: 40,
    },
    problems: [],
  });

  test('W = C: the default window, its slots held C·makespan/N', () => {
    const lines = figureLines(figures(8));
    expect(lines).toContain(
      'window: 8 files in flight (MAX_CONCURRENT_TRANSCRIPTIONS) for a transcriber capacity of 8 (the default W = C: one file in flight per transcriber slot)',
    );
    expect(lines.find((line) => line.startsWith('overhead per file: '))).toContain(
      'each file holds one of the 8 window slots 240 ms for L=200 (W·makespan/N)',
    );
  });

  test('W > C: the window line, W·makespan/N per window slot, the summary line unchanged', () => {
    const f = figures(24);
    const lines = figureLines(f);
    expect(lines).toContain(
      "window: 24 files in flight (MAX_CONCURRENT_TRANSCRIPTIONS) for a transcriber capacity of 8: up to 16 requests wait in the transcriber's queue",
    );
    const overhead = lines.find((line) => line.startsWith('overhead per file: '));
    expect(overhead).toContain('each file holds one of the 24 window slots 720 ms');
    // N·L/(C·makespan) = 400·200/(8·12000): the transcriber's share, still counted against C.
    expect(overhead).toContain('the 8 transcriber slots were busy 83% of the makespan');
    expect(lines.find((line) => line.startsWith('slot cycle: '))).toContain(
      'activity (L=200, transcriber queue wait included) 500',
    );
    expect(summaryLine(f)).toBe(
      'bench: files=400 concurrency=8 latency_ms=200 ratio=1.20 files_per_s=33.33 rss_mb=250',
    );
  });
});

describe('TranscriberSimulator capacity', () => {
  const quiet = { log() {}, warn() {} };

  test('serves up to `capacity` requests at once and queues the rest', async () => {
    const store = new LocalFileStore();
    const paths = ['00-00', '00-30', '01-00', '01-30', '02-00'].map(
      (block) => `files/d-cap00001/2026-01-01/${block}/audio.wav`,
    );
    await store.insert(paths.map((file_path) => ({ file_path })));
    const simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 100,
      capacity: 2,
      logger: quiet,
    });
    try {
      const responses = await Promise.all(
        paths.map((filePath) =>
          axios.post<{ processed_files: string[] }>(`${simulator.url}/fetch-and-transcribe`, {
            file_paths: [filePath],
            model: 'base',
          }),
        ),
      );

      expect(responses.map((response) => response.data.processed_files)).toEqual(
        paths.map((filePath) => [filePath]),
      );
      // Sweep over the processing log: at no instant were more than two files in progress.
      const log = simulator.stats.processingLog;
      const maxAtOnce = Math.max(
        ...log.map(
          ({ startedAt }) =>
            log.filter((other) => other.startedAt <= startedAt && startedAt < other.finishedAt!)
              .length,
        ),
      );
      expect(maxAtOnce).toBe(2);
      expect(simulator.capacity).toBe(2);
    } finally {
      await simulator.stop();
    }
  });

  test('refuses a capacity that is not a positive integer', async () => {
    await expect(
      TranscriberSimulator.start({ store: new LocalFileStore(), port: 0, capacity: 0 }),
    ).rejects.toThrow('capacity must be a positive integer, got 0');
  });
});
