import { createLogger, loadConfig } from '@tooncast/shared';
import { raiseMediaPath } from './priority.ts';
import { frameProcessorFactory } from './processors.ts';
import { startSelfieChecker } from './selfie-checker.ts';
import { InferenceWorker } from './worker.ts';

/** Runs one inference worker against REDIS_URL until SIGINT/SIGTERM. */
const config = loadConfig();
const log = createLogger('inference', config.logLevel);
if (!config.live.redisUrl) throw new Error('REDIS_URL is required for an inference worker');
// First, so the threads and codec processes started below inherit it.
if (!raiseMediaPath()) log.debug('the media path keeps the default priority; compute threads run below it');
const worker = new InferenceWorker(config.live.redisUrl, config.live, await frameProcessorFactory(config, log), log);
await worker.start();
const stopSelfieChecks = startSelfieChecker(config.live.redisUrl, log);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.all([worker.stop(), stopSelfieChecks()]).then(() => process.exit(0)));
}
