import { MemoryBufferDriver } from '../../core/buffer/index.js';
import { testDeps } from '../support/logger.js';
import { describeBufferContract } from './buffer.contract.js';

describeBufferContract('memory driver', () => ({ make: async (policy) => new MemoryBufferDriver(policy, testDeps()) }));
