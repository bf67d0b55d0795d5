/** The picture `video` shows now, as a PNG or JPEG file, scaled down to at most `maxWidth` pixels wide. */
export function snapshot(
  video: HTMLVideoElement,
  mime: 'image/png' | 'image/jpeg',
  maxWidth = video.videoWidth,
): Promise<Blob> {
  const scale = Math.min(1, maxWidth / video.videoWidth);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  // Drawn now (the frame on screen), encoded later.
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no snapshot'))), mime, 0.9),
  );
}

export const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
