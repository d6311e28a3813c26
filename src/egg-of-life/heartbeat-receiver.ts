import dgram from 'node:dgram';
import { decodeHeartbeat, type Heartbeat } from '../node/heartbeat/message.js';

/** Listens for UDP heartbeats; anything that is not a well-formed heartbeat is dropped. */
export class HeartbeatReceiver {
  private readonly socket = dgram.createSocket('udp4');

  constructor(
    private readonly host: string,
    private readonly port: number,
    onHeartbeat: (hb: Heartbeat) => void,
  ) {
    this.socket.on('message', (buf) => {
      const hb = decodeHeartbeat(buf);
      if (hb) onHeartbeat(hb);
    });
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(this.port, this.host, () => {
        this.socket.off('error', reject);
        this.socket.on('error', () => undefined);
        resolve();
      });
    });
  }

  stop(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
