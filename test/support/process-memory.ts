import { readFileSync } from 'node:fs';

/** A process's peak (VmHWM, the default) or current (VmRSS) resident memory, in MB (Linux). */
export function rssMb(pid: number | undefined, which: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const match = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}
