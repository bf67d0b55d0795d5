import type { Logger } from '@tooncast/shared';
import { startTsThread } from './ts-thread.ts';

/** Starts the worker's selfie-check thread (selfie-check-thread.ts) against `redisUrl`; returns its stop. */
export function startSelfieChecker(redisUrl: string, log: Logger): () => Promise<void> {
  const thread = startTsThread(new URL('./selfie-check-thread.ts', import.meta.url), { redisUrl });
  thread.on('error', (err) => log.error({ err }, 'the selfie-check thread stopped: selfie checks go to other workers'));
  return async () => {
    await thread.terminate();
  };
}
