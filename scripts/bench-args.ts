/** The command line of `npm run bench`, checked before anything starts. */

export interface BenchOptions {
  /** N: pending files seeded in the local store. */
  files: number;
  /** C: the simulator's capacity (requests it serves at once) and the C of the ideal ceil(N/C)·L. */
  concurrency: number;
  /**
   * W: the dispatch's MAX_CONCURRENT_TRANSCRIPTIONS, the files in flight; C unless given. Above C
   * the extra requests wait in the transcriber's queue.
   */
  window: number;
  /** L: the simulator's time per file. */
  latencyMs: number;
  /** Writes V8 CPU profiles of the worker process into this folder. */
  cpuProfDir?: string;
}

export type BenchCommand =
  { kind: 'run'; options: BenchOptions } | { kind: 'table' } | { kind: 'help' };

const NUMBER_FLAGS = {
  '--files': { min: 1, max: 20_000, default: 200 },
  '--concurrency': { min: 1, max: 200, default: 8 },
  // MAX_CONCURRENT_TRANSCRIPTIONS is 1 to 200 in the product's config. Its default is C.
  '--window': { min: 1, max: 200 },
  '--latency-ms': { min: 0, max: 600_000, default: 100 },
} as const;
type NumberFlag = keyof typeof NUMBER_FLAGS;

export const USAGE = `Usage: npm run bench -- [--files N] [--concurrency C] [--window W] [--latency-ms L] [--cpu-prof DIR]
       npm run bench -- --table

Starts an in-memory Temporal dev server, a worker process with a local store of N pending files,
and the transcriber simulator (C requests at once, L ms per file); triggers one dispatch with
MAX_CONCURRENT_TRANSCRIPTIONS=W, waits for every file and prints the figures.

  --files N          pending files, 1 to 20000 (default 200)
  --concurrency C    transcriber capacity: requests served at once, 1 to 200 (default 8)
  --window W         files in flight (MAX_CONCURRENT_TRANSCRIPTIONS), 1 to 200 (default C);
                     above C the extra requests wait in the transcriber's queue, and that wait
                     counts toward TRANSCRIBER_REQUEST_TIMEOUT_MS
  --latency-ms L     transcriber time per file, 0 to 600000 (default 100)
  --cpu-prof DIR     also CPU-profile the worker process into DIR and print its top functions
  --table            run the standard scenarios and write BENCHMARKS.md (no other option)
  -h, --help         this text`;

export class BenchArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchArgsError';
  }
}

function parseNumber(flag: NumberFlag, text: string | undefined): number {
  const { min, max } = NUMBER_FLAGS[flag];
  if (text === undefined || (text.startsWith('-') && !/^-\d/.test(text))) {
    throw new BenchArgsError(`${flag} needs a value: a whole number from ${min} to ${max}`);
  }
  if (!/^\d+$/.test(text)) {
    throw new BenchArgsError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new BenchArgsError(`${flag} must be from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Parses `process.argv.slice(2)`; throws BenchArgsError naming the flag and the fix. */
export function parseBenchArgs(argv: string[]): BenchCommand {
  if (argv.includes('-h') || argv.includes('--help')) return { kind: 'help' };
  const numbers: Partial<Record<NumberFlag, number>> = {};
  let cpuProfDir: string | undefined;
  let table = false;
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    // Both `--flag value` and `--flag=value`.
    const [flag, inline] =
      argv[i].startsWith('--') && argv[i].includes('=')
        ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)]
        : [argv[i], undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (seen.has(flag)) throw new BenchArgsError(`${flag} is given twice`);
    seen.add(flag);
    if (Object.hasOwn(NUMBER_FLAGS, flag)) {
      numbers[flag as NumberFlag] = parseNumber(flag as NumberFlag, value());
    } else if (flag === '--cpu-prof') {
      cpuProfDir = value();
      if (!cpuProfDir || cpuProfDir.startsWith('-')) {
        throw new BenchArgsError('--cpu-prof needs a folder for the profiles');
      }
    } else if (flag === '--table') {
      if (inline !== undefined) throw new BenchArgsError('--table takes no value');
      table = true;
    } else if (flag.startsWith('-')) {
      throw new BenchArgsError(
        `unknown option ${flag}; the options are --files, --concurrency, --window, --latency-ms, --cpu-prof, --table, --help`,
      );
    } else {
      throw new BenchArgsError(
        `unexpected argument "${flag}": give values after their option, e.g. --files ${flag}`,
      );
    }
  }

  if (table) {
    if (seen.size > 1)
      throw new BenchArgsError('--table runs fixed scenarios and takes no other option');
    return { kind: 'table' };
  }
  const pick = (flag: Exclude<NumberFlag, '--window'>): number =>
    numbers[flag] ?? NUMBER_FLAGS[flag].default;
  const concurrency = pick('--concurrency');
  return {
    kind: 'run',
    options: {
      files: pick('--files'),
      concurrency,
      window: numbers['--window'] ?? concurrency,
      latencyMs: pick('--latency-ms'),
      cpuProfDir,
    },
  };
}
