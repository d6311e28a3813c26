import net from 'node:net';
import { FrameDecoder, FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import { PROTOCOL_VERSION } from '../protocol/wire/messages.js';

/**
 * A client-port connection at the frame level, for tests that play a hostile or broken peer:
 * it sends whatever bytes the test writes and collects every frame the gateway answers.
 */
export interface RawConnection {
  socket: net.Socket;
  /** Every frame received so far, in order. */
  frames: Frame[];
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  connected: Promise<void>;
}

/** Connects to `host:port`, optionally from `localAddress` (a loopback alias: its own source for per-address limits). */
export function rawConnection(address: string, localAddress?: string): RawConnection {
  const at = address.lastIndexOf(':');
  const socket = net.connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)), localAddress });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder({ maxControlBytes: 64 * 1024 });
  socket.on('data', (c: Buffer) => {
    try {
      frames.push(...decoder.push(c));
    } catch {
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  const connected = new Promise<void>((r) => socket.on('connect', () => r()));
  return { socket, frames, closed, connected };
}

/** A HELLO frame of this protocol version, with `extra` fields (resume, token, auth). */
export function helloFrame(extra: Record<string, unknown> = {}): Buffer {
  return encodeJsonFrame(FrameType.HELLO, { version: PROTOCOL_VERSION, ...extra });
}

/** The first ERROR frame's body, or undefined if none came. */
export function errorOf(frames: Frame[]): { code: string; message: string } | undefined {
  const f = frames.find((x) => x.type === FrameType.ERROR);
  return f && (JSON.parse(f.body.toString('utf8')) as { code: string; message: string });
}
