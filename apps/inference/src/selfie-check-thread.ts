/**
 * Selfie checks for the web app's live guidance: any worker takes a queued check (BLPOP), runs the engine's selfie
 * analysis on it — the very check the session's start runs on the uploaded selfie, so the page's verdict and the
 * start's agree — and publishes the verdict to the asking sfu node. In its own thread, with its own step-1 models,
 * so neither the media path nor the engine's frames wait behind a check.
 */
import { workerData } from 'node:worker_threads';
import { AnalysisModels, analyzeSelfie, SelfieError } from '@tooncast/engine';
import { sessionOpeners } from '@tooncast/models';
import {
  createLogger,
  loadConfig,
  RedisKeys,
  type SelfieCheckReply,
  SelfieCheckRequest,
  type SelfieVerdict,
} from '@tooncast/shared';
import { Redis } from 'ioredis';
import { decodeImage } from './decode-image.ts';
import { lowerComputeThread } from './priority.ts';

/** How long the loop waits before it asks Redis again after a failure, ms. */
const RETRY_MS = 1000;

const config = loadConfig();
const log = createLogger('selfie-check', config.logLevel);
if (!lowerComputeThread()) log.debug('the selfie-check thread keeps the process priority');
const models = await AnalysisModels.open(sessionOpeners(config).model, config.analysis, config.face.size);
const redis = new Redis((workerData as { redisUrl: string }).redisUrl);
const blocking = redis.duplicate();

async function judgeSelfie(bytes: Uint8Array): Promise<SelfieVerdict> {
  let photo: Awaited<ReturnType<typeof decodeImage>>;
  try {
    photo = await decodeImage(bytes);
  } catch {
    return { usable: false, message: 'the image could not be decoded: use a PNG or JPEG photo', warnings: [] };
  }
  try {
    const { box, quality, warnings } = await analyzeSelfie(models, photo);
    const face = { x: box.x / photo.width, y: box.y / photo.height, w: box.w / photo.width, h: box.h / photo.height };
    return { usable: true, message: 'the selfie is good', warnings, face, brightness: quality.brightness };
  } catch (err) {
    if (!(err instanceof SelfieError)) throw err;
    return { usable: false, problem: err.problem, message: err.message, warnings: [] };
  }
}

for (;;) {
  let popped: [string, string] | null;
  try {
    popped = await blocking.blpop(RedisKeys.selfieChecks, 0);
  } catch (err) {
    // A Redis outage (ioredis gives up on the command after its retries) must not end the checks for good.
    log.error({ err }, 'cannot take selfie checks from Redis');
    await new Promise((r) => setTimeout(r, RETRY_MS));
    continue;
  }
  if (!popped) continue;
  try {
    const parsed = SelfieCheckRequest.safeParse(JSON.parse(popped[1]));
    if (!parsed.success || parsed.data.expiresAt < Date.now()) continue;
    const { id, replyTo, image } = parsed.data;
    const reply: SelfieCheckReply = { id, verdict: await judgeSelfie(Buffer.from(image, 'base64')) };
    await redis.publish(replyTo, JSON.stringify(reply));
  } catch (err) {
    log.error({ err }, 'selfie check failed');
  }
}
