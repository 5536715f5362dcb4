import { existsSync, readFileSync } from 'node:fs';
import { LocalStack } from '../../stack/local-stack';

/** User + system CPU time of a process so far, in µs (Linux: /proc/<pid>/stat). */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, counted from the state (field 3).
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** A process of the local stack whose CPU the benchmarks read (FerretDB: the store; Kafka: the broker), when it runs one. */
export async function stackPid(name: 'ferretdb' | 'kafka'): Promise<number | undefined> {
  return (await new LocalStack().status()).find((service) => service.name === name)?.pid;
}

/** The store's process: the local stack's FerretDB, when it runs one. */
export const storePid = (): Promise<number | undefined> => stackPid('ferretdb');

/** CPU ms a process (the store's, the service's) has used so far; 0 where it cannot be read. */
export function processCpuMs(pid: number | undefined): number {
  return pid === undefined || !existsSync(`/proc/${pid}/stat`) ? 0 : cpuMicros(pid) / 1000;
}
