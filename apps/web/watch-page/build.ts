import fs from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '@tooncast/shared';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ConnectingNote } from '../components/ConnectingNote.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { LiveVideo } from '../components/LiveVideo.tsx';
import { SFU_PORT_SLOT, VIEW_SLOT, WATCH_PAGE_FILE } from './page-file.ts';
import { viewerScript } from './viewer-script.ts';

const WEB_DIR = path.join(REPO_ROOT, 'apps/web');

/**
 * Bundles viewer.ts and writes the watch-party page: one request, no React, ~50 kB instead of the ~390 kB of Next's
 * runtime and React a page needs. The markup is LiveVideo, ErrorBanner and ConnectingNote rendered here, as the owner
 * page shows them (run with watch-page/tsconfig.json, whose JSX setting lets Node run the components), the stylesheet the
 * app's; the script comes last, when the elements it uses exist.
 */
export async function buildWatchPage(): Promise<void> {
  const script = (await viewerScript()).text;
  if (script.includes('</script')) throw new Error('the watch page script cannot be inlined: it contains </script');
  const styles = await fs.readFile(path.join(WEB_DIR, 'app/styles.css'), 'utf8');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tooncast</title>
<style>${styles}</style>
</head>
<body data-sfu-port="${SFU_PORT_SLOT}" data-view="${VIEW_SLOT}">
<header><h1>Tooncast</h1></header>
<main>
${renderToStaticMarkup(createElement(ErrorBanner, { placeholder: true }))}
${renderToStaticMarkup(createElement(LiveVideo, { label: 'watch party' }))}
${renderToStaticMarkup(createElement(ConnectingNote, { hidden: true }))}
<p class="notice" data-testid="ended" hidden>This stream has ended.</p>
</main>
<script>${script}</script>
</body>
</html>
`;
  await fs.mkdir(path.dirname(WATCH_PAGE_FILE), { recursive: true });
  await fs.writeFile(WATCH_PAGE_FILE, html);
}

if (process.argv[1] === import.meta.filename) await buildWatchPage();
