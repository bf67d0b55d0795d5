/**
 * Plays a live stream with its sound where the browser allows it, else muted. Browsers refuse sound before the
 * viewer has touched the page (a share link opened cold, a kiosk, an owner page reloaded), and a refused play()
 * leaves the picture black: the picture starts muted instead and `onMuted` offers the sound on a tap.
 */
export async function playLive(video: HTMLVideoElement, onMuted: () => void): Promise<void> {
  try {
    await video.play();
  } catch (err) {
    if ((err as DOMException).name !== 'NotAllowedError') return;
    video.muted = true;
    await video.play().catch(() => undefined);
    onMuted();
  }
}

/** The tap that brings the sound back (a user gesture, which the browser accepts). */
export function unmute(video: HTMLVideoElement): void {
  video.muted = false;
  void video.play().catch(() => undefined);
}
