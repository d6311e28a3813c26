import type { ClusterConfig } from '../node/config/cluster.js';
import { createLogger } from '../node/log.js';
import { Broker } from '../node/middleware/broker.js';
import { Topology } from '../node/middleware/topology.js';
import type { QueueView } from './collect.js';

/**
 * Queue depths by AMQP passive declare (`messageCount`, ready messages only) through the
 * project's Broker: no management plugin needed. One connection, opened on first use and
 * re-opened after a failure; a broker that is down gives depths of null, never an error.
 */
export class QueueWatcher {
  private broker: Broker | undefined;
  private connecting: Promise<Broker> | undefined;
  private readonly topology: Topology;

  constructor(private readonly config: Readonly<ClusterConfig>) {
    this.topology = new Topology(config);
  }

  /** Every shared queue of the cluster, then the results queue of each session given. */
  async depths(sessions: readonly string[] = []): Promise<QueueView[]> {
    const queues = [...this.topology.allSharedQueues(), ...sessions.map((s) => this.topology.resultsQueue(s))];
    let broker: Broker;
    try {
      broker = await this.connect();
    } catch {
      return queues.map((queue) => ({ queue, depth: null }));
    }
    return Promise.all(queues.map(async (queue) => ({ queue, depth: await broker.queueDepth(queue) })));
  }

  private connect(): Promise<Broker> {
    if (this.broker) return Promise.resolve(this.broker);
    this.connecting ??= Broker.connect(
      this.config.middleware.address,
      createLogger('dashboard', 'silent'),
      `${this.config.name}-dashboard`,
      { timeoutMs: 3000 },
    ).then(
      (b) => {
        this.broker = b;
        this.connecting = undefined;
        return b;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  async close(): Promise<void> {
    const b = this.broker;
    this.broker = undefined;
    await b?.close();
  }
}
