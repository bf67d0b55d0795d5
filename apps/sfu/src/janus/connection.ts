/// <reference path="./janode.d.ts" />
import type { Logger } from '@tooncast/shared';
import Janode, { type JanodeConnection, type JanodeHandle, type JanodeSession, type JanusResponse } from 'janode';
import Handle from 'janode/handle';

export type Jsep = { type: 'offer' | 'answer'; sdp: string };

export class JanusError extends Error {
  override name = 'JanusError';

  /** The plugin's error_code. */
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * janode's base handle leaves asynchronous plugin responses ("event" with our transaction) unmanaged; this one
 * settles the request with the raw response, which PluginHandle then reads.
 */
class RawPluginHandle extends Handle {
  override handleMessage(message: JanusResponse & { transaction?: string }): unknown {
    if (message.janus !== 'event' || !this.ownsTransaction(message.transaction))
      return message.janus === 'event' || null;
    this.closeTransactionWithSuccess(message.transaction, message);
    return true;
  }
}

/**
 * One plugin handle with typed requests: plugin errors (error_code) become JanusError. A control handle carries the
 * plugin's admin_key in every request (creating, forwarding and listing need it; the rest ignore it).
 */
export class PluginHandle {
  constructor(
    private readonly handle: JanodeHandle,
    private readonly plugin: string,
    private readonly adminKey?: string,
  ) {}

  async request(body: Record<string, unknown>, jsep?: Jsep): Promise<{ data: Record<string, unknown>; jsep?: Jsep }> {
    const keyed = this.adminKey ? { ...body, admin_key: this.adminKey } : body;
    const response: JanusResponse = await this.handle.message(keyed, jsep);
    const data = response.plugindata?.data ?? {};
    if (typeof data.error_code === 'number') {
      const message = `${this.plugin} ${String(body.request)}: ${String(data.error)} (${data.error_code})`;
      throw new JanusError(message, data.error_code);
    }
    return { data, jsep: response.jsep };
  }

  /** Fires when Janus hangs up this handle's PeerConnection (ICE failure, DTLS alert, peer gone). */
  onHangup(listener: (reason: string) => void): void {
    this.handle.on(Janode.EVENT.HANDLE_HANGUP, (e: { reason?: string }) => listener(e.reason ?? 'hangup'));
  }

  onWebrtcUp(listener: () => void): void {
    this.handle.on(Janode.EVENT.HANDLE_WEBRTCUP, listener);
  }

  async close(): Promise<void> {
    await this.handle.detach().catch(() => undefined);
  }
}

/**
 * A WebSocket connection to Janus with one Janus session; every handle hangs off that session.
 * `onClosed` reports an unexpected loss of Janus (the sfu then fails its live sessions clearly).
 */
export class JanusConnection {
  private closing = false;

  private constructor(
    private readonly connection: JanodeConnection,
    private readonly session: JanodeSession,
    private readonly log: Logger,
  ) {}

  static async open(url: string, log: Logger): Promise<JanusConnection> {
    Janode.Logger.setLevel('none');
    const connection = await Janode.connect({ address: { url }, retry_time_secs: 1, max_retries: 5 });
    const session = await connection.create(15);
    log.debug({ url }, 'janus connection open');
    return new JanusConnection(connection, session, log);
  }

  /** `adminKey`: for a control handle (see PluginHandle). */
  async attach(plugin: 'janus.plugin.videoroom' | 'janus.plugin.streaming', adminKey?: string): Promise<PluginHandle> {
    return new PluginHandle(await this.session.attach({ id: plugin, Handle: RawPluginHandle }), plugin, adminKey);
  }

  /** Reports a connection lost without close() being called. */
  onClosed(listener: () => void): void {
    const unexpected = () => {
      if (!this.closing) listener();
    };
    this.connection.once(Janode.EVENT.CONNECTION_CLOSED, unexpected);
    this.connection.once(Janode.EVENT.CONNECTION_ERROR, unexpected);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.session.destroy().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
    this.log.debug('janus connection closed');
  }
}
