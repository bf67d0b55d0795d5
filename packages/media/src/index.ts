export { FFMPEG_PATH, MediaError } from './ffmpeg.ts';
export { MAX_IMAGE_BYTES, MAX_IMAGE_SIDE, readImage } from './image.ts';
export { MAX_VIDEO_SIDE, probeVideo, type VideoInfo } from './probe.ts';
export { type DecodedFrame, type ReadOptions, VideoReader } from './reader.ts';
export { VideoWriter, type WriterOptions } from './writer.ts';
