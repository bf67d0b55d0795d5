import type { Config, Logger } from '@tooncast/shared';
import { type FrameProcessor, PassThroughProcessor } from './frame-processor.ts';
import { ThreadedEngine } from './threaded-engine.ts';

/** Returns the per-session FrameProcessor factory the config asks for; engine models open once, in their thread. */
export async function frameProcessorFactory(config: Config, log: Logger): Promise<() => FrameProcessor> {
  switch (config.live.frameProcessor) {
    case 'passthrough':
      return () => new PassThroughProcessor();
    case 'engine': {
      // The engine runs in its own thread so the media path here never waits behind a frame's computation.
      const engine = new ThreadedEngine();
      await engine.ready;
      log.info('engine thread ready');
      return () => engine.createProcessor();
    }
  }
}
