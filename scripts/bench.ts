/**
 * `npm run bench -- --files N --concurrency C [--window W] --latency-ms L` (issue 7): the
 * orchestration overhead of one dispatch with W files in flight (MAX_CONCURRENT_TRANSCRIPTIONS, C
 * by default) against a transcriber that takes C requests at once and L ms per file.
 * Prints one line per figure, then `bench: files=N concurrency=C latency_ms=L ratio=X.XX
 * files_per_s=Y rss_mb=Z`. `npm run bench -- --table` writes BENCHMARKS.md. Progress goes to
 * stderr; the figures to stdout.
 */
import { BenchArgsError, parseBenchArgs, USAGE } from './bench-args';
import { figureLines, summaryLine } from './bench-figures';
import { BenchInterrupted, runBench } from './bench-run';
import { writeBenchmarksFile } from './bench-table';

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

async function main(): Promise<number> {
  let command;
  try {
    command = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'table') {
    return (await writeBenchmarksFile(log)) ? 0 : 1;
  }
  const figures = await runBench(command.options, log);
  for (const line of figureLines(figures)) process.stdout.write(`${line}\n`);
  process.stdout.write(`${summaryLine(figures)}\n`);
  return figures.problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof BenchInterrupted ? 130 : 1);
  },
);
