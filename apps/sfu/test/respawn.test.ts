import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, loadConfig } from '@tooncast/shared';
import { insideNetns, pgrep } from '../../../scripts/services/harness.ts';
import { JanusProcess } from '../src/services/janus-process.ts';
import { RedisProcess } from '../src/services/redis-process.ts';

/** The processes this test started named `name` (each service process is a child of the test's). */
const children = (name: string) => pgrep('-P', String(process.pid), name);

interface Service {
  start(): Promise<string>;
  respawn(): Promise<void>;
  stop(): Promise<void>;
}

if (await insideNetns(import.meta.filename)) {
  describe('a restart of Redis or Janus under way (real processes)', { timeout: 60_000 }, () => {
    const log = createLogger('respawn-test', 'warn');
    const services: [string, (onExit: () => void) => Service][] = [
      ['redis-server', (onExit) => new RedisProcess(log, onExit)],
      [
        'janus',
        (onExit) => new JanusProcess({ iceAddress: loadConfig().live.host, rtpPorts: '23000-23999' }, log, onExit),
      ],
    ];

    /**
     * Starts the service and kills its process; `onExit` runs on that exit (a supervisor's part), on the first only
     * (a second process fails on the port and exits too). Resolves with the service and what `onExit` returned.
     */
    async function killed<T>(name: string, make: (onExit: () => void) => Service, onExit: (s: Service) => T) {
      let exited!: (value: T) => void;
      const handled = new Promise<T>((r) => (exited = r));
      let once = false;
      const service = make(() => {
        if (once) return;
        once = true;
        exited(onExit(service));
      });
      try {
        await service.start();
        process.kill(children(name)[0], 'SIGKILL');
        return { service, result: await handled };
      } catch (err) {
        await service.stop();
        throw err;
      }
    }

    /** Kills what a failed test left running. */
    const killLeft = (name: string) => {
      for (const pid of children(name)) process.kill(pid, 'SIGKILL');
    };

    for (const [name, make] of services) {
      test(`${name} stopped while it restarts leaves no process behind`, async () => {
        try {
          // Before, the new process was owned only once it listened: the stop stopped the dead one.
          await killed(name, make, (s) => Promise.all([s.respawn(), s.stop()]));
          assert.deepEqual(children(name), [], `${name} left running`);
        } finally {
          killLeft(name);
        }
      });

      test(`a second restart of ${name} while one is under way starts nothing`, async () => {
        try {
          const { service, result } = await killed(name, make, (s) => {
            const restarts = [s.respawn(), s.respawn()];
            return { restarts, started: children(name).length };
          });
          assert.equal(result.started, 1, `${name} processes started`);
          await Promise.all(result.restarts);
          await service.stop();
          assert.deepEqual(children(name), [], `${name} left running`);
        } finally {
          killLeft(name);
        }
      });
    }
  });
}
