import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@tooncast/shared';
import { type OwnedProcess, Restarts, spawnListening } from './child.ts';
import { freeTcpPort } from './ports.ts';

const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';
const PLUGINS = ['libjanus_videoroom.so', 'libjanus_streaming.so'];
const TRANSPORTS = ['libjanus_websockets.so'];

export interface JanusOptions {
  /** The only address used for ICE candidates ('' = every non-loopback interface). */
  iceAddress: string;
  /** UDP range for ICE and plain RTP, "min-max". */
  rtpPorts: string;
}

/**
 * Janus 1.1.2 with a generated configuration in a temp dir: only the videoroom and streaming plugins
 * (folders holding just those symlinks), the WebSocket API on loopback, admin API off and a random
 * admin secret per run.
 */
export class JanusProcess {
  private process?: OwnedProcess;
  private readonly restarts = new Restarts();
  private dir = '';
  /** ws://127.0.0.1:PORT, what janode connects to. */
  url = '';
  readonly adminSecret = randomBytes(18).toString('base64url');
  /** The plugins' admin_key (TOONCAST_JANUS_ADMIN_KEY for the sfu): nothing else may make or list rooms. */
  readonly adminKey = randomBytes(18).toString('base64url');

  private args: string[] = [];
  private wsPort = 0;

  /** `onExit(ranMs)`: Janus exited on its own, after running that long (see respawn). */
  constructor(
    private readonly options: JanusOptions,
    private readonly log: Logger,
    private readonly onExit?: (ranMs: number) => void,
  ) {}

  async start(): Promise<string> {
    this.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tooncast-janus-'));
    const folder = async (name: string, files: readonly string[], from: string) => {
      const dir = path.join(this.dir, name);
      await fs.mkdir(dir);
      for (const f of files) await fs.symlink(path.join(JANUS_LIB, from, f), path.join(dir, f));
      return dir;
    };
    const plugins = await folder('plugins', PLUGINS, 'plugins');
    const transports = await folder('transports', TRANSPORTS, 'transports');
    const empty = await folder('none', [], '');
    const wsPort = await freeTcpPort();
    this.wsPort = wsPort;
    const nat = this.options.iceAddress
      ? `ice_enforce_list = "${this.options.iceAddress}"`
      : 'ice_ignore_list = "vmnet,docker,veth"';
    const files: Record<string, string> = {
      'janus.jcfg': `general: {
  configs_folder = "${this.dir}"
  plugins_folder = "${plugins}"
  transports_folder = "${transports}"
  events_folder = "${empty}"
  loggers_folder = "${empty}"
  debug_level = 4
  admin_secret = "${this.adminSecret}"
  server_name = "tooncast"
  session_timeout = 60
  protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr", "/var"]
}
certificates: {}
media: {
  rtp_port_range = "${this.options.rtpPorts}"
}
nat: {
  ${nat}
  ignore_mdns = true
}
plugins: {}
transports: {}
events: { broadcast = false }
loggers: {}
`,
      'janus.transport.websockets.jcfg': `general: {
  json = "compact"
  ws = true
  ws_port = ${wsPort}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
      'janus.plugin.videoroom.jcfg': `general: {\n  admin_key = "${this.adminKey}"\n}\n`,
      'janus.plugin.streaming.jcfg': `general: {\n  admin_key = "${this.adminKey}"\n}\n`,
    };
    for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(this.dir, name), text);
    this.args = ['-C', path.join(this.dir, 'janus.jcfg'), '-F', this.dir, '-o', '-r', this.options.rtpPorts];
    try {
      await this.spawn();
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.url = `ws://127.0.0.1:${wsPort}`;
    this.log.info({ url: this.url, iceAddress: this.options.iceAddress || 'all' }, 'janus started');
    return this.url;
  }

  /**
   * Starts Janus again after it exited, with the first start's configuration: the same URL. Not once stopped, nor
   * while a restart is under way (see Restarts).
   */
  async respawn(): Promise<void> {
    if (await this.restarts.run(() => this.spawn())) this.log.info({ url: this.url }, 'janus started again');
  }

  private async spawn(): Promise<void> {
    const started = spawnListening('janus', 'janus', this.args, this.wsPort, 15_000, this.log, this.onExit);
    // Owned before it listens, so that a stop meanwhile stops it.
    this.process = started.child;
    await started.listening;
  }

  async stop(): Promise<void> {
    this.restarts.stop();
    await this.process?.stop();
    await this.restarts.settled();
    if (this.dir) await fs.rm(this.dir, { recursive: true, force: true });
  }
}
