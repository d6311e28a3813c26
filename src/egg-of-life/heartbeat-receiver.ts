import dgram from 'node:dgram';
import { decodeHeartbeat, heartbeatKey, type Heartbeat } from '../node/heartbeat/message.js';
import { ReplayGuard } from '../node/heartbeat/auth.js';

/**
 * Listens for UDP heartbeats; anything that is not an authentic (signed with the cluster
 * secret), fresh and well-formed heartbeat is dropped, and counted in `rejected`.
 */
export class HeartbeatReceiver {
  private readonly socket = dgram.createSocket('udp4');
  rejected = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    secret: Buffer,
    replayWindowMs: number,
    onHeartbeat: (hb: Heartbeat) => void,
  ) {
    const guard = new ReplayGuard(replayWindowMs);
    const key = heartbeatKey(secret);
    this.socket.on('message', (buf) => {
      const hb = decodeHeartbeat(key, buf, guard);
      if (hb) onHeartbeat(hb);
      else this.rejected++;
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
