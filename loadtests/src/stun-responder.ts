import dgram from 'node:dgram';

/** STUN's magic cookie, the Binding request and success types, and XOR-MAPPED-ADDRESS (RFC 5389). */
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

/**
 * A STUN server that answers Binding requests with the sender's address, for werift clients in the private
 * namespace: werift's ICE always queries a STUN server (Google's when none is configured, unreachable here) and
 * waits 5 s for it before it connects.
 */
export class StunResponder {
  private constructor(
    private readonly socket: dgram.Socket,
    readonly url: string,
  ) {}

  static async start(host: string): Promise<StunResponder> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (request, from) => {
      if (request.length < 20 || request.readUInt16BE(0) !== BINDING_REQUEST) return;
      if (request.readUInt32BE(4) !== MAGIC_COOKIE) return;
      const reply = Buffer.alloc(32);
      reply.writeUInt16BE(BINDING_SUCCESS, 0);
      reply.writeUInt16BE(12, 2);
      request.copy(reply, 4, 4, 20);
      reply.writeUInt16BE(XOR_MAPPED_ADDRESS, 20);
      reply.writeUInt16BE(8, 22);
      reply.writeUInt16BE(0x01, 24);
      reply.writeUInt16BE(from.port ^ (MAGIC_COOKIE >>> 16), 26);
      const ip = from.address.split('.').reduce((a, b) => (a << 8) | Number(b), 0) >>> 0;
      reply.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 28);
      socket.send(reply, from.port, from.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new StunResponder(socket, `stun:${host}:${socket.address().port}`);
  }

  close(): void {
    this.socket.close();
  }
}
