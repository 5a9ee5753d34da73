import { MemoryBus } from '../../core/bus/index.js';
import { testDeps } from '../support/logger.js';
import { busContract } from './bus.contract.js';

busContract('in process', (history) => Promise.resolve(new MemoryBus(history, testDeps())));
