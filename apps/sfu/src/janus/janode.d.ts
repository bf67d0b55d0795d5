// janode ships no types; this declares only the surface the typed facade in this folder uses.
declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface JanusResponse {
    janus: string;
    plugindata?: { plugin: string; data: Record<string, unknown> };
    jsep?: { type: 'offer' | 'answer'; sdp: string };
  }

  export interface JanodeHandle extends EventEmitter {
    readonly id: number;
    message(body: Record<string, unknown>, jsep?: { type: string; sdp: string }): Promise<JanusResponse>;
    hangup(): Promise<void>;
    detach(): Promise<void>;
  }

  export interface JanodeSession extends EventEmitter {
    readonly id: number;
    attach(plugin: { id: string; Handle?: new (...args: never[]) => JanodeHandle }): Promise<JanodeHandle>;
    destroy(): Promise<void>;
  }

  export interface JanodeConnection extends EventEmitter {
    create(keepaliveSeconds?: number): Promise<JanodeSession>;
    close(): Promise<void>;
  }

  const Janode: {
    connect(config: {
      address: { url: string; apisecret?: string } | { url: string }[];
      retry_time_secs?: number;
      max_retries?: number;
    }): Promise<JanodeConnection>;
    EVENT: Record<string, string>;
    Logger: { setLevel(level: string): void };
  };
  export default Janode;
}

declare module 'janode/handle' {
  import type { EventEmitter } from 'node:events';
  import type { JanodeHandle, JanusResponse } from 'janode';

  /** janode's base handle; plugin handles override handleMessage to settle their async responses. */
  export default class Handle extends EventEmitter implements JanodeHandle {
    readonly id: number;
    message(body: Record<string, unknown>, jsep?: { type: string; sdp: string }): Promise<JanusResponse>;
    hangup(): Promise<void>;
    detach(): Promise<void>;
    handleMessage(message: JanusResponse & { transaction?: string }): unknown;
    ownsTransaction(id: string | undefined): boolean;
    closeTransactionWithSuccess(id: string | undefined, data: unknown): void;
  }
}
