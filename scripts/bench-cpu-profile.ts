/**
 * Reads the V8 CPU profiles that `node --cpu-prof` writes when the worker process exits (one per
 * thread: main, and the SDK's workflow thread) and lists where each thread spent its time.
 * Temporal's Rust core runs on threads of its own, which V8 does not sample.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ThreadProfile {
  /** "main" or "thread <id>" (a worker thread). */
  thread: string;
  /** Sampled time the thread was not idle, start-up included, in ms. */
  busyMs: number;
  /** Largest self times first. */
  top: Array<{ name: string; selfMs: number }>;
}

/** Node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is main. */
function threadOf(file: string): string {
  const tid = path.basename(file).split('.').at(-3);
  return tid === '0' ? 'main' : `thread ${tid}`;
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.includes('node_modules/')
    ? url.slice(url.lastIndexOf('node_modules/') + 13)
    : url;
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

export function summarizeCpuProfile(file: string, top = 10): ThreadProfile {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const names = new Map(profile.nodes.map((node) => [node.id, frameName(node.callFrame)]));
  const selfUs = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const name = names.get(id) ?? '(unknown)';
    selfUs.set(name, (selfUs.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  selfUs.delete('(idle)');
  const busyUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  return {
    thread: threadOf(file),
    busyMs: busyUs / 1000,
    top: [...selfUs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000 })),
  };
}

/** The profiles a process wrote into `dir`, one per thread. */
export function readCpuProfiles(dir: string, pid: number): ThreadProfile[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile') && name.split('.').at(-4) === String(pid))
    .sort()
    .map((name) => summarizeCpuProfile(path.join(dir, name)));
}
