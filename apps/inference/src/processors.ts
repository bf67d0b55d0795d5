import type { Config, Logger } from '@tooncast/shared';
import { EngineProcessor, openEngineModels } from './engine-processor.ts';
import { type FrameProcessor, PassThroughProcessor } from './frame-processor.ts';

/** Returns the per-session FrameProcessor factory the config asks for; engine models open once, here. */
export async function frameProcessorFactory(config: Config, log: Logger): Promise<() => FrameProcessor> {
  switch (config.live.frameProcessor) {
    case 'passthrough':
      return () => new PassThroughProcessor();
    case 'engine': {
      const models = await openEngineModels(config);
      return () => new EngineProcessor(models, log);
    }
  }
}
