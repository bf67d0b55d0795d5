import fs from 'node:fs';
import os from 'node:os';

/**
 * Nice steps between the media path (the worker's main thread, its codec processes and audio relay thread) and the
 * threads that compute (the engine, selfie checks): the media path needs a few ms at the right moment, and every
 * wait for the CPU adds to each frame's latency.
 * These order threads within the worker's share of the CPU, not that share: under autogroup scheduling (a terminal's
 * `npm start`) each session is weighted first by its group's nice value, and under systemd by its cgroup's CPU
 * weight. Raising the session group here took the co-located browsers' CPU on the 2-core test machine: the worker's
 * own p95 fell 126–136 → 81–95 ms, glass-to-glass did not improve, so the share is the deployment's to set.
 * Real-time scheduling (SCHED_RR via chrt) was measured there too: for the media path alone it gained nothing; for
 * every worker thread the worker's own p95 fell 65–75 → 31 ms but the browsers beside it froze and their sound fell
 * 250 ms behind.
 */
const COMPUTE_NICE_STEPS = 5;

/** The calling thread's kernel id: on Linux each thread has its own nice value. */
function threadId(): number {
  return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
}

/**
 * Raises the calling thread above the default priority where the process may (CAP_SYS_NICE). Called by the worker's
 * main thread before it starts threads or codec processes, which inherit it; false when not allowed.
 */
export function raiseMediaPath(): boolean {
  try {
    os.setPriority(threadId(), -COMPUTE_NICE_STEPS);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts the calling compute thread COMPUTE_NICE_STEPS below the media path it inherited its priority from: the
 * default priority under a raised main thread, below the default otherwise (so the compute thread never competes
 * above other processes of the machine). False where thread priorities cannot be read or set.
 */
export function lowerComputeThread(): boolean {
  try {
    const tid = threadId();
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + COMPUTE_NICE_STEPS));
    return true;
  } catch {
    return false;
  }
}
