import path from 'node:path';
import { REPO_ROOT } from '@tooncast/shared';

/** The watch-party page as build.ts writes it and app/watch/route.ts serves it: static HTML, its script inlined. */
export const WATCH_PAGE_FILE = path.join(REPO_ROOT, 'apps/web/dist/watch.html');
/** Where the built page takes the signaling port, which the route fills in once it read the page. */
export const SFU_PORT_SLOT = '%SFU_PORT%';
/** Where the built page takes its view (the `view` query parameter), which the route fills in per request. */
export const VIEW_SLOT = '%VIEW%';
