import fs from 'node:fs';
import { loadConfig } from '@tooncast/shared';
import { SFU_PORT_SLOT, WATCH_PAGE_FILE } from '../../watch-page/page-file.ts';

export const dynamic = 'force-dynamic';

let page: string | undefined;

/** The watch-party page (built by watch-page/build.ts): read once, the same bytes for every viewer. */
export function GET(): Response {
  page ??= fs.readFileSync(WATCH_PAGE_FILE, 'utf8').replace(SFU_PORT_SLOT, String(loadConfig().live.sfuPort));
  return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}
