/** A width and a height, px. */
export interface Size {
  width: number;
  height: number;
}

/** Where a clip's picture sits in the worker's fixed-size frame, px; the rest of the frame is black. */
export interface PictureRect extends Size {
  x: number;
  y: number;
}

/**
 * The largest rect of `source`'s shape inside `frame`, centred, its scaled side rounded down to even pixels: a 4:3
 * or portrait clip is pillarboxed, a wider one letterboxed, rather than stretched (a stretched face is another face
 * to the face models, and to the viewers). Vp8Decoder's filter computes the same (pictureFilter).
 */
export function fitPicture(source: Size, frame: Size): PictureRect {
  const wide = source.width * frame.height >= source.height * frame.width;
  const width = wide ? frame.width : even((source.width * frame.height) / source.height);
  const height = wide ? even((source.height * frame.width) / source.width) : frame.height;
  return { x: Math.floor((frame.width - width) / 2), y: Math.floor((frame.height - height) / 2), width, height };
}

const even = (v: number) => Math.trunc(v / 2) * 2;

/** ffmpeg's filter for fitPicture: scale to the rect, then pad to the frame with black. */
export function pictureFilter(frame: Size): string {
  const { width: W, height: H } = frame;
  const wide = `gte(iw*${H},ih*${W})`;
  return (
    `scale=w='if(${wide},${W},trunc(iw*${H}/ih/2)*2)':h='if(${wide},trunc(ih*${W}/iw/2)*2,${H})',` +
    `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2`
  );
}
