import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, loadConfig } from '@tooncast/shared';
import { until } from '../../../scripts/services/browser.ts';
import { insideNetns } from '../../../scripts/services/harness.ts';
import { JanusConnection, type PluginHandle, StreamingMountpoint } from '../src/janus/index.ts';
import { JanusProcess } from '../src/services/janus-process.ts';
import { MountpointWatchers } from '../src/watchers.ts';

if (await insideNetns(import.meta.filename)) {
  describe('watchers made ahead (real Janus)', { timeout: 60_000 }, () => {
    const log = createLogger('watchers-test', 'warn');
    let janusProcess: JanusProcess;
    let janus: JanusConnection;
    let control: PluginHandle;
    let attaches = 0;

    before(async () => {
      janusProcess = new JanusProcess({ iceAddress: loadConfig().live.host, rtpPorts: '21000-21999' }, log);
      janus = await JanusConnection.open(await janusProcess.start(), log);
      control = await janus.attach('janus.plugin.streaming', janusProcess.adminKey);
      // Counts the handles attached from here on (each watcher is one), through the real connection.
      const attach = janus.attach.bind(janus);
      janus.attach = (plugin, adminKey) => {
        attaches++;
        return attach(plugin, adminKey);
      };
    });
    after(async () => {
      await janus?.close();
      await janusProcess?.stop();
    });

    /** The watchers Janus counts on a mountpoint: those handed out and the spare. */
    const viewers = async (mountpoint: StreamingMountpoint) =>
      ((await control.request({ request: 'info', id: mountpoint.id })).data.info as { viewers: number }).viewers;

    test('each watcher handed out has a spare behind it; the next takes it; the last to close takes it along', async () => {
      const mountpoint = await StreamingMountpoint.create(control, 'watchers test');
      const watchers = new MountpointWatchers(janus, 150, log);
      try {
        const first = await watchers.watch(mountpoint.id);
        assert.match(first.offer.sdp ?? '', /m=video/);
        await until('the spare behind the first watcher', 5000, async () => (await viewers(mountpoint)) === 2);
        const attachedBefore = attaches;
        const second = await watchers.watch(mountpoint.id);
        // The second watcher was the spare: the only handle attached since is the next spare's.
        assert.equal(attaches - attachedBefore, 1);
        assert.notEqual(second.offer.sdp, first.offer.sdp);
        await until('the spare behind the second watcher', 5000, async () => (await viewers(mountpoint)) === 3);

        // Janus drops a closed watcher from its count a moment after the detach is acknowledged.
        await first.viewer.close();
        await until('the first watcher to go', 5000, async () => (await viewers(mountpoint)) === 2);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(await viewers(mountpoint), 2, 'one watcher still open keeps its spare');
        await second.viewer.close();
        await until('the spare to close with the last watcher', 5000, async () => (await viewers(mountpoint)) === 0);
      } finally {
        await watchers.close();
        await mountpoint.destroy();
      }
    });

    test('the end of a mountpoint closes its spare, which Janus leaves open', async () => {
      const mountpoint = await StreamingMountpoint.create(control, 'watchers test');
      const other = await StreamingMountpoint.create(control, 'watchers test');
      const watchers = new MountpointWatchers(janus, 150, log);
      try {
        const first = await watchers.watch(mountpoint.id);
        const watching = await watchers.watch(other.id);
        await until('the spares', 5000, async () => (await viewers(mountpoint)) === 2);
        watchers.ended(mountpoint.id);
        await until('the spare to close', 5000, async () => (await viewers(mountpoint)) === 1);
        assert.equal(await viewers(other), 2, "the other mountpoint's spare stays");
        // A watcher of the mountpoint handed out before it ended no longer keeps a spare.
        await first.viewer.close();
        await until('the last watcher to go', 5000, async () => (await viewers(mountpoint)) === 0);
        await watching.viewer.close();
        await until("the other's spare to close", 5000, async () => (await viewers(other)) === 0);
      } finally {
        await watchers.close();
        await Promise.all([mountpoint.destroy(), other.destroy()]);
      }
    });
  });
}
