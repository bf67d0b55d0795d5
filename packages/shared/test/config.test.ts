import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

test('defaults need no environment', () => {
  const c = loadConfig({});
  assert.equal(c.models.executionProvider, 'cpu');
  assert.equal(c.models.intraOpThreads, 1);
  assert.match(c.models.dir, /\.cache\/models$/);
});

test('a bad variable is named in one readable error', () => {
  assert.throws(
    () => loadConfig({ TOONCAST_EXECUTION_PROVIDER: 'tpu', TOONCAST_INTRA_OP_THREADS: 'x' }),
    (e: unknown) =>
      e instanceof ConfigError && /models\.executionProvider/.test(e.message) && /intraOpThreads/.test(e.message),
  );
});

test("the publish bitrate: bit/s, 'off' leaves it to the browser, a nonsense value is refused", () => {
  assert.equal(loadConfig({}).live.publishBitrate, 1_000_000);
  assert.equal(loadConfig({ TOONCAST_PUBLISH_BITRATE: '600000' }).live.publishBitrate, 600_000);
  assert.equal(loadConfig({ TOONCAST_PUBLISH_BITRATE: 'off' }).live.publishBitrate, undefined);
  assert.throws(() => loadConfig({ TOONCAST_PUBLISH_BITRATE: '1.5' }), /live\.publishBitrate/);
});
