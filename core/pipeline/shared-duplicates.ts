import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import { claimOnce } from '../redis/index.js';

/**
 * The cluster-wide half of the duplicate check: a message id is claimed in Redis (`SET NX GET`, under
 * `<prefix>:seen:`), and only the first gateway to claim it takes the message. A platform that redelivers
 * to another gateway (a webhook behind a load balancer, a OneBot account dialled by two) is dropped there.
 * While Redis is unreachable the check is skipped (each gateway still drops its own repeats): ingest must not
 * wait on it, as the buffer holds messages through an outage.
 *
 * Each claim stores a token of its own. ioredis sends a command again when its connection dropped before the
 * reply came, and Redis may have run it the first time (a restart that saved it): the second run then finds
 * the key set, and without the token the gateway would drop its own message as another's.
 */
export class SharedDuplicates {
  private warned = false;
  /** This instance's part of every claim token; the claim's number follows it. */
  private readonly claimer = `${randomBytes(6).toString('base64url')}:`;
  private claims = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly deps: { log: Logger; metrics: Metrics },
  ) {}

  /** Resolves true when `id` was claimed before, by any gateway (this one included), within the TTL. */
  async seen(id: string): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    const key = this.key(id);
    const token = this.claimer + (++this.claims).toString(36);
    try {
      return !(await claimOnce(this.redis, key, token, this.ttlMs));
    } catch (err) {
      this.failed('claim', err);
      return false;
    }
  }

  /** Gives up the claim: the message was not taken after all, so a redelivery must get through anywhere. */
  forget(id: string): void {
    // Left in place, the claim expires with its TTL: until then a redelivery is dropped as a duplicate.
    this.redis.del(this.key(id)).catch((err: unknown) => this.failed('forget', err));
  }

  /** Counted every time, logged once: an outage would otherwise log a line per message. */
  private failed(stage: 'claim' | 'forget', err: unknown): void {
    this.deps.metrics.count('duplicate_check_errors_total', { stage });
    if (!this.warned) this.deps.log.warn({ err, stage }, 'the shared duplicate check could not reach Redis: each gateway drops only its own repeats until it is back');
    this.warned = true;
  }

  private key(id: string): string {
    return `${this.prefix}:seen:${id}`;
  }
}
