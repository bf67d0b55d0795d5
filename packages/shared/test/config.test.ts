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

test('a blank number variable is unset: the default, not 0', () => {
  const c = loadConfig({
    TOONCAST_SFU_PORT: '',
    TOONCAST_OWNER_GRACE: '',
    TOONCAST_SELFIE_MAX_BYTES: '',
    TOONCAST_DETECTOR_MIN_SCORE: ' ',
    TOONCAST_MAX_PLAYOUT_DELAY: '',
    TOONCAST_PUBLISH_BITRATE: '',
  });
  const defaults = loadConfig({});
  assert.equal(c.live.sfuPort, 4000);
  assert.equal(c.live.ownerGraceSeconds, 5);
  assert.equal(c.live.selfieMaxBytes, defaults.live.selfieMaxBytes);
  assert.equal(c.analysis.detectorMinScore, 0.5);
  assert.equal(c.live.maxPlayoutDelayMs, 150);
  assert.equal(c.live.publishBitrate, 1_000_000);
});

test('a port outside 1–65535 is refused', () => {
  assert.throws(
    () => loadConfig({ TOONCAST_SFU_PORT: '70000' }),
    (e: unknown) => e instanceof ConfigError && /live\.sfuPort/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ TOONCAST_WEB_PORT: '0' }),
    (e: unknown) => e instanceof ConfigError && /live\.webPort/.test(e.message),
  );
  assert.equal(loadConfig({ TOONCAST_SFU_PORT: '65535' }).live.sfuPort, 65535);
});

test('the web app and the sfu on one port are refused', () => {
  assert.throws(
    () => loadConfig({ TOONCAST_SFU_PORT: '3000' }),
    (e: unknown) => e instanceof ConfigError && /live\.webPort: must differ from live\.sfuPort/.test(e.message),
  );
});

test('a frame size without area is refused', () => {
  assert.deepEqual(loadConfig({ TOONCAST_FRAME_SIZE: '320x180' }).live.frameSize, { width: 320, height: 180 });
  for (const size of ['0x0', '640x0', '0x360'])
    assert.throws(
      () => loadConfig({ TOONCAST_FRAME_SIZE: size }),
      (e: unknown) => e instanceof ConfigError && /live\.frameSize/.test(e.message),
    );
});
