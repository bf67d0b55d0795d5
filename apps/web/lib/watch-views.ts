/**
 * The ways a share link shows the stream (styles.css lays each out): `party`, the watch-party page; `overlay`, the
 * picture alone on a transparent page filling the window, for a streamer's browser source (OBS and the like);
 * `kiosk`, the picture filling a black screen without a cursor, with the session's notes large over it.
 */
export const WATCH_VIEWS = ['party', 'overlay', 'kiosk'] as const;
export type WatchView = (typeof WATCH_VIEWS)[number];

/** The share link showing the stream in `view`. */
export function watchLink(shareUrl: string, view: WatchView): string {
  return view === 'party' ? shareUrl : `${shareUrl}&view=${view}`;
}
