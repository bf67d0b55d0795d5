import path from 'node:path';
import { REPO_ROOT } from '@tooncast/shared';
import { build } from 'esbuild';

/**
 * The watch-party page's script: viewer.ts bundled and minified, with the files it was made from (so a test can
 * tell what a viewer downloads before the first picture: everything here, inlined in the page).
 */
export async function viewerScript(): Promise<{ text: string; inputs: string[] }> {
  const bundle = await build({
    entryPoints: [path.join(REPO_ROOT, 'apps/web/watch-page/viewer.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    metafile: true,
  });
  return { text: bundle.outputFiles[0].text, inputs: Object.keys(bundle.metafile.inputs) };
}
