import { createLogger, loadConfig } from '@tooncast/shared';
import { SfuNode } from './sfu-node.ts';

/** Runs one sfu node against REDIS_URL and TOONCAST_JANUS_URL until SIGINT/SIGTERM. */
const config = loadConfig();
const log = createLogger('sfu', config.logLevel);
const { redisUrl, janusUrl } = config.live;
if (!redisUrl || !janusUrl) throw new Error('REDIS_URL and TOONCAST_JANUS_URL are required for an sfu node');
const node = await SfuNode.start({ redisUrl, janusUrl, port: config.live.sfuPort, live: config.live }, log);
// Crash-only: a restarted node connects to Janus afresh, and shares a new token secret through a replaced Redis (npm
// start restarts it; elsewhere, the process manager). Its successor destroys what it left in Janus (OrphanSweep).
node.onJanusLost(() => {
  log.error('lost the connection to janus; exiting so that a fresh node takes over');
  process.exit(1);
});
node.onRedisReplaced(() => {
  log.error('redis was replaced (restarted or failed over) and lost the sessions; ending them and exiting');
  const error = { code: 'service-restarted' as const, message: 'the service lost its session store' };
  void node.stop(error).finally(() => process.exit(1));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void node.stop().then(() => process.exit(0)));
}
