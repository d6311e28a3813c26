import { ConfigError, redactUrl } from '../errors.js';

/**
 * A broker address as the config holds it: one AMQP URL, or several comma-separated URLs of the
 * nodes of one RabbitMQ cluster (`amqp://u:p@h1:5672/,amqp://u:p@h2:5672/`). The AMQP client
 * takes one set of credentials and vhost plus a list of `host:port` it tries in turn (and again
 * after a connection loss), so every URL of a list must share user, password, vhost and scheme.
 */
export interface BrokerAddress {
  /** The first URL: credentials, vhost, scheme and query parameters for every host. */
  url: string;
  /** `host:port` of every node, in the order given. */
  hosts: string[];
}

export function parseBrokerAddress(address: string): BrokerAddress {
  const urls = address
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (urls.length === 0) throw new ConfigError('middleware.address (AMQP_URL) is empty');
  const parsed = urls.map((u) => {
    try {
      return new URL(u);
    } catch {
      throw new ConfigError(`middleware.address (AMQP_URL): ${redactUrl(u)} is not a URL`);
    }
  });
  const first = parsed[0];
  for (const u of parsed) {
    if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:')
      throw new ConfigError(`middleware.address (AMQP_URL): ${redactUrl(u.href)} is not an amqp:// or amqps:// URL`);
    // One connection config for every host: a node that needs other credentials would only
    // fail at failover time, so refuse the list now.
    if (u.protocol !== first.protocol || u.username !== first.username || u.password !== first.password || vhostOf(u) !== vhostOf(first))
      throw new ConfigError(
        `middleware.address (AMQP_URL): every URL of a list must have the same scheme, user, password and vhost (${redactUrl(u.href)} differs from ${redactUrl(first.href)})`,
      );
  }
  const defaultPort = first.protocol === 'amqps:' ? '5671' : '5672';
  return { url: urls[0], hosts: parsed.map((u) => `${u.hostname}:${u.port || defaultPort}`) };
}

function vhostOf(u: URL): string {
  return decodeURIComponent(u.pathname.split('/')[1] || '/');
}
