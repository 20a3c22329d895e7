import { createMemoryKv } from '../src/core/store/memory-kv.ts';
import { kvContract, TestClock } from './contracts/kv-contract.ts';

kvContract('memory', () => {
  const clock = new TestClock();
  return Promise.resolve({ store: createMemoryKv(clock.now), clock });
});
