/** Linux /proc readings for the bench: a process's peak RSS and CPU time, the machine's CPU time. */
import * as fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat and /proc/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A process's resident set size in kB: now (VmRSS) or its peak over its life (VmHWM). */
export function rssKb(pid: number, which: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${which}:\\s+(\\d+) kB$`, 'm').exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU time the process has used so far, in ms. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Busy CPU time of the whole machine so far, all CPUs and all processes, in ms. */
export function machineBusyMs(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
