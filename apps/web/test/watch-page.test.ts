import assert from 'node:assert/strict';
import { test } from 'node:test';
import { viewerScript } from '../watch-page/viewer-script.ts';

test('the watch-party page’s script stays small: no schema library rides along into every viewer’s first load', async () => {
  const { text, inputs } = await viewerScript();
  // zod alone is ~450 kB minified: a viewer parsed it before its first picture (page ready 1.0–1.6 s, not ~0.3).
  assert.deepEqual(
    inputs.filter((f) => f.includes('node_modules/zod/')),
    [],
  );
  assert.ok(text.length < 80_000, `the script is ${Math.round(text.length / 1000)} kB`);
});
