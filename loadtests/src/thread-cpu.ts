import fs from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) of each thread of this process by thread id, from /proc (Linux). */
export function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      // The fields after the command name, which may itself hold spaces: utime and stime are the 12th and 13th.
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * Where this process's CPU went between two `threadCpuMs` readings, ms: the main thread, the busiest other thread
 * (the engine's, while it runs) and all the others (V8's garbage-collection helpers, libuv's pool, other threads).
 */
export function cpuSplit(before: Map<number, number>, after: Map<number, number>) {
  const used = [...after].map(([tid, ms]) => ({ tid, ms: ms - (before.get(tid) ?? 0) }));
  const main = used.find((u) => u.tid === process.pid)?.ms ?? 0;
  const others = used.filter((u) => u.tid !== process.pid).sort((a, b) => b.ms - a.ms);
  const busiest = others[0]?.ms ?? 0;
  const rest = others.slice(1).reduce((s, u) => s + u.ms, 0);
  return { main, busiestOther: busiest, rest, total: main + busiest + rest };
}
