import { RedisBus } from '../../core/bus/index.js';
import { testDeps } from '../support/logger.js';
import { testRedisSettings } from '../support/redis.js';
import { busContract } from './bus.contract.js';

busContract('Redis Streams', (history) => Promise.resolve(new RedisBus({ redis: testRedisSettings(), history, ...testDeps() })));
