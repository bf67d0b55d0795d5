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
const stack = await LiveStack.start(
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
);
console.log(`\nTooncast is running: open http://${host}:${config.live.webPort}/ (Ctrl-C to stop)\n`);
let stopping = false;
// The services run in process groups of their own (see OwnedProcess): a closed terminal's SIGHUP, like Ctrl-C,
// reaches only this process, which stops them.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  });
}
