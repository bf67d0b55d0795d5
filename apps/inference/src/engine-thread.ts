/**
 * The engine's own thread: the method's JavaScript stages run synchronously for tens of milliseconds per frame,
 * which on the worker's main thread would stall RTP reading, the codec pipes and the audio relay. Models open once
 * here; sessions are multiplexed by id.
 */
import { parentPort } from 'node:worker_threads';
import { type ContourFrame, createLogger, loadConfig, type RgbImage } from '@tooncast/shared';
import { EngineProcessor, openEngineModels, warmUpEngine } from './engine-processor.ts';
import { lowerComputeThread } from './priority.ts';
import type { EngineReply, EngineRequest } from './threaded-engine.ts';

const config = loadConfig();
const log = createLogger('engine-thread', config.logLevel);
if (!lowerComputeThread()) log.debug('the engine thread keeps the process priority');
const models = await openEngineModels(config);
const options = { fusion: config.face.fusion === 'on', style: config.face };
await warmUpEngine(models, options).catch((err) =>
  log.warn({ err }, 'engine warm-up failed; the first session pays it'),
);
const sessions = new Map<string, EngineProcessor>();
/** The contour frame of each session's current `process` call, while its debug view is on. */
const contours = new Map<string, ContourFrame>();
const port = parentPort!;

function reply(message: EngineReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** After a frame has left; a failure here must not answer its (already answered) call: the next frame retries. */
function prepareNextFrame(session: EngineProcessor): void {
  try {
    session.prepareNextFrame();
  } catch (err) {
    log.error({ err }, 'preparing the next frame failed');
  }
}

port.on('message', async (m: EngineRequest) => {
  try {
    switch (m.type) {
      case 'open': {
        const processor = new EngineProcessor(
          models,
          log.child({ session: m.session }),
          options,
          config.live.frameSize,
        );
        await processor.open(m.selfie, m.target);
        sessions.set(m.session, processor);
        reply({ type: 'done', call: m.call });
        break;
      }
      case 'process': {
        const frame: RgbImage = { width: m.width, height: m.height, data: new Uint8Array(m.data) };
        const session = sessions.get(m.session)!;
        const out = await session.process(frame, m.info);
        const data = out.data.buffer === m.data ? m.data : Uint8Array.from(out.data).buffer;
        const contour = contours.get(m.session);
        contours.delete(m.session);
        reply({ type: 'frame', call: m.call, width: out.width, height: out.height, data, contour }, [data]);
        prepareNextFrame(session);
        break;
      }
      case 'contour-view':
        sessions.get(m.session)?.watchContours(m.on ? (f) => contours.set(m.session, f) : undefined);
        reply({ type: 'done', call: m.call });
        break;
      case 'close':
        await sessions.get(m.session)?.close();
        sessions.delete(m.session);
        contours.delete(m.session);
        reply({ type: 'done', call: m.call });
        break;
    }
  } catch (err) {
    const e = err as Error & { problem?: string };
    reply({ type: 'error', call: m.call, name: e.name, message: e.message, problem: e.problem });
  }
});
reply({ type: 'ready' });
