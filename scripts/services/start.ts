import { createLogger, loadConfig } from '@tooncast/shared';
import { LiveStack, lanAddress } from './stack.ts';

/**
 * `npm start` for the live service: Redis and Janus (unless REDIS_URL / TOONCAST_JANUS_URL are given), one sfu
 * node, one inference worker and the web app; prints the URL and runs until Ctrl-C, restarting Janus, the sfu, a
 * worker or the web app when it exits on its own.
 */
const config = loadConfig();
const log = createLogger('tooncast', config.logLevel);
const host = config.live.host || lanAddress();
// Installed before the start, which may take minutes (the web app's first build): the services run in process groups
// of their own (see OwnedProcess), so a terminal's Ctrl-C or a closed terminal's SIGHUP reaches only this process,
// which stops them. A second signal while stopping is ignored: this process must outlive its services.
const abort = new AbortController();
let stack: LiveStack | undefined;
let stopping = false;
const stopAndExit = (running: LiveStack) => running.stop().then(() => process.exit(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    if (stack) void stopAndExit(stack);
  });
}
try {
  stack = await LiveStack.start(
    {
      iceAddress: config.live.host,
      sfuPort: config.live.sfuPort,
      webPort: config.live.webPort,
      rtpPorts: config.live.rtpPorts,
      redisUrl: config.live.redisUrl,
      janusUrl: config.live.janusUrl,
      workers: config.live.workers,
      supervise: true,
    },
    log,
    abort.signal,
  );
} catch (err) {
  // Stopped while starting (LiveStack.start stopped what it had started).
  if (stopping) process.exit(0);
  throw err;
}
// A signal after the start's last step, before it returned.
if (stopping) await stopAndExit(stack);
console.log(`\nTooncast is running: open http://${host}:${config.live.webPort}/ (Ctrl-C to stop)\n`);
