/** What one bench run measured, and how it is printed: one line per figure, then the summary. */
import * as os from 'node:os';
import type { ThreadProfile } from './bench-cpu-profile';
import type { SlotCycle } from './bench-history';

export interface BenchFigures {
  files: number;
  /** C: the simulator's capacity, the C of the ideal. */
  concurrency: number;
  /** W: MAX_CONCURRENT_TRANSCRIPTIONS, the dispatch's files in flight. */
  window: number;
  latencyMs: number;
  /** Trigger (the client's start call) → the dispatch's result: every file done. */
  makespanMs: number;
  /** See {@link idealMs}. */
  idealMs: number;
  ratio: number;
  filesPerSecond: number;
  /** Trigger → the first ChildWorkflowExecutionStarted. */
  firstChildMs?: number;
  /** Events of the largest run of the dispatch's continue-as-new chain. */
  maxHistoryEvents: number;
  continueAsNewRuns: number;
  dispatchWorkflowTasks: number;
  /** VmHWM of the worker process over its whole life, in MB. */
  workerPeakRssMb?: number;
  /** VmRSS of the worker process when it was ready, before the trigger, in MB. */
  workerReadyRssMb?: number;
  /** CPU time used during the dispatch, in ms: the worker process, the dev server, the rest. */
  cpu: { workerMs?: number; serverMs?: number; otherMs?: number };
  cycle: SlotCycle;
  cpuProfile?: ThreadProfile[];
  /** What went wrong (files not done, a file sent twice at once): the run does not count. */
  problems: string[];
}

/**
 * ceil(N/C)·L, each wave floored at 1 ms: at L=0 the simulator still waits one timer tick (Node
 * clamps a 0 ms timer to 1 ms), and the ratio stays finite. At L=0, read files/s instead.
 */
export function idealMs(files: number, concurrency: number, latencyMs: number): number {
  return Math.ceil(files / concurrency) * Math.max(latencyMs, 1);
}

/** (makespan − ceil(N/C)·L)/N: the wall-clock time each file adds to the whole run. */
export function overheadPerFileMs(f: BenchFigures): number {
  return (f.makespanMs - Math.ceil(f.files / f.concurrency) * f.latencyMs) / f.files;
}

/**
 * W·makespan/N: how long each file holds one of the dispatch's W window slots (files in flight),
 * the slot cycle plus idle time. L when W = C and there is no overhead.
 */
export function slotMsPerFile(f: BenchFigures): number {
  return (f.window * f.makespanMs) / f.files;
}

/** N·L/(C·makespan): the share of the run the C transcriber slots spent transcribing (L > 0). */
export function transcriberBusyShare(f: BenchFigures): number | undefined {
  return f.latencyMs === 0 ? undefined : (f.files * f.latencyMs) / (f.concurrency * f.makespanMs);
}

export function windowText(f: BenchFigures): string {
  const { window: w, concurrency: c } = f;
  const base = `${w} files in flight (MAX_CONCURRENT_TRANSCRIPTIONS) for a transcriber capacity of ${c}`;
  if (w > c) {
    const queued = w - c === 1 ? '1 request waits' : `${w - c} requests wait`;
    return `${base}: up to ${queued} in the transcriber's queue`;
  }
  if (w < c) return `${base}: ${c - w} transcriber slot${c - w === 1 ? '' : 's'} never used`;
  return `${base} (the default W = C: one file in flight per transcriber slot)`;
}

const fixed = (value: number | undefined, digits = 0): string =>
  value === undefined || Number.isNaN(value) ? '?' : value.toFixed(digits);
const seconds = (ms: number | undefined): string =>
  `${fixed(ms === undefined ? ms : ms / 1000, 1)} s`;

export function cycleText(f: BenchFigures): string {
  const c = f.cycle;
  const parts: Array<[string, number]> = [
    ['child start', c.childStart],
    ['first task wait', c.firstTaskWait],
    ['first task run', c.firstTaskRun],
    [
      `activity (L=${f.latencyMs}${f.window > f.concurrency ? ', transcriber queue wait included' : ''})`,
      c.activity,
    ],
    ['last task', c.lastTask],
    ['to parent', c.toParent],
    ['refill', c.refill],
  ];
  const sum = parts.reduce((total, [, ms]) => total + ms, 0);
  return `${parts.map(([name, ms]) => `${name} ${fixed(ms)}`).join(' + ')} = ${fixed(sum)} ms`;
}

/**
 * The most files per second this machine could reach at the CPU cost measured: its CPUs divided
 * by the worker's and the server's CPU time per file (the rest of the machine idle).
 */
export function cpuCeilingFilesPerSecond(f: BenchFigures): number | undefined {
  const { workerMs, serverMs } = f.cpu;
  if (workerMs === undefined || serverMs === undefined) return undefined;
  return (os.availableParallelism() * 1000 * f.files) / (workerMs + serverMs);
}

export function cpuText(f: BenchFigures): string {
  const perFile = (ms: number | undefined): string =>
    `${seconds(ms)} (${fixed(ms === undefined ? ms : ms / f.files, 1)} ms/file)`;
  const cpus = os.availableParallelism();
  return `worker ${perFile(f.cpu.workerMs)}, Temporal server ${perFile(f.cpu.serverMs)}, other processes ${seconds(f.cpu.otherMs)}, of ${seconds(cpus * f.makespanMs)} (${cpus} CPUs × makespan); at this cost ${cpus} CPUs cap the run at ${fixed(cpuCeilingFilesPerSecond(f), 1)} files/s`;
}

export function figureLines(f: BenchFigures): string[] {
  const lines: Array<[string, string]> = [
    ['makespan', `${seconds(f.makespanMs)} (trigger → every file done)`],
    [
      'ideal',
      `${seconds(f.idealMs)} = ceil(${f.files}/${f.concurrency}) × ${Math.max(f.latencyMs, 1)} ms` +
        (f.latencyMs === 0 ? ' (L=0 counted as 1 ms, the simulator timer floor)' : ''),
    ],
    ['window', windowText(f)],
    ['ratio', `${f.ratio.toFixed(2)} (makespan / ideal)`],
    [
      'overhead per file',
      `${fixed(overheadPerFileMs(f), 1)} ms ((makespan − ceil(N/C)·L)/N); each file holds one of the ${f.window} window slots ${fixed(slotMsPerFile(f))} ms for L=${f.latencyMs} (W·makespan/N)` +
        (f.latencyMs === 0
          ? ''
          : `; the ${f.concurrency === 1 ? 'transcriber slot was' : `${f.concurrency} transcriber slots were`} busy ${fixed(100 * transcriberBusyShare(f)!)}% of the makespan (N·L/(C·makespan))`),
    ],
    ['throughput', `${f.filesPerSecond.toFixed(2)} files/s`],
    ['first child', `${fixed(f.firstChildMs)} ms from the trigger to the first child started`],
    ['largest history', `${f.maxHistoryEvents} events in the largest run of the dispatch`],
    [
      'continue-as-new',
      `${f.continueAsNewRuns} runs (${f.dispatchWorkflowTasks} dispatch workflow tasks in all)`,
    ],
    [
      'worker peak RSS',
      `${fixed(f.workerPeakRssMb)} MB (VmHWM of the worker process; ${fixed(f.workerReadyRssMb)} MB when it was ready, before the trigger)`,
    ],
    [
      'slot cycle',
      `one turn of a window slot, means per file: ${cycleText(f)}; W·makespan/N ${fixed(slotMsPerFile(f))} ms with idle time`,
    ],
    ['cpu', `during the dispatch: ${cpuText(f)}`],
  ];
  for (const thread of f.cpuProfile ?? []) {
    lines.push([
      `cpu profile ${thread.thread}`,
      `${fixed(thread.busyMs)} ms busy: ${thread.top.map((t) => `${t.name} ${fixed(t.selfMs)}`).join('; ')}`,
    ]);
  }
  for (const problem of f.problems) lines.push(['PROBLEM', problem]);
  return lines.map(([name, text]) => `${name}: ${text}`);
}

/** Exactly `bench: files=N concurrency=C latency_ms=L ratio=X.XX files_per_s=Y rss_mb=Z`. */
export function summaryLine(f: BenchFigures): string {
  return `bench: files=${f.files} concurrency=${f.concurrency} latency_ms=${f.latencyMs} ratio=${f.ratio.toFixed(2)} files_per_s=${f.filesPerSecond.toFixed(2)} rss_mb=${fixed(f.workerPeakRssMb)}`;
}
