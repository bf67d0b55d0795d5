import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '@tooncast/shared';
import { build } from 'esbuild';
import { viewerScript } from '../watch-page/viewer-script.ts';

/** zod alone is ~450 kB minified: a viewer parsed it before its first picture (page ready 1.0–1.6 s, not ~0.3). */
const zodIn = (inputs: string[]) => inputs.filter((f) => f.includes('node_modules/zod/'));

test('the watch-party page’s script stays small: no schema library rides along into every viewer’s first load', async () => {
  const { text, inputs } = await viewerScript();
  assert.deepEqual(zodIn(inputs), []);
  assert.ok(text.length < 80_000, `the script is ${Math.round(text.length / 1000)} kB`);
});

test('the owner page’s client code brings no schema library either', async () => {
  const bundle = await build({
    entryPoints: [path.join(REPO_ROOT, 'apps/web/components/OwnerApp.tsx')],
    bundle: true,
    write: false,
    metafile: true,
    jsx: 'automatic',
    external: ['react', 'react-dom'],
  });
  assert.deepEqual(zodIn(Object.keys(bundle.metafile.inputs)), []);
});
