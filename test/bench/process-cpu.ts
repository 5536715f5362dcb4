import { readFileSync } from 'node:fs';

/** User + system CPU time of a process so far, in µs (Linux: /proc/<pid>/stat). */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, counted from the state (field 3).
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}
