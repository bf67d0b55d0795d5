import fs from 'node:fs';
import { loadConfig } from '@tooncast/shared';
import { WATCH_VIEWS, type WatchView } from '../../lib/watch-views.ts';
import { SFU_PORT_SLOT, VIEW_SLOT, WATCH_PAGE_FILE } from '../../watch-page/page-file.ts';

export const dynamic = 'force-dynamic';

let page: string | undefined;

/**
 * The watch-party page (built by watch-page/build.ts): read once, the same bytes for every viewer but its view, which
 * is set in the markup so that the first paint already has the view's layout (an overlay never flashes the header).
 */
export function GET(request: Request): Response {
  page ??= fs.readFileSync(WATCH_PAGE_FILE, 'utf8').replace(SFU_PORT_SLOT, String(loadConfig().live.sfuPort));
  const view = new URL(request.url).searchParams.get('view') ?? 'party';
  if (!WATCH_VIEWS.includes(view as WatchView)) {
    const text = `This link's view "${view}" is not one Tooncast knows: use ${WATCH_VIEWS.join(', ')} (or leave it out).`;
    return new Response(text, { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  return new Response(page.replace(VIEW_SLOT, view), {
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}
