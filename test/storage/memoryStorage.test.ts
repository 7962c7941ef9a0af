import { MemoryStorage } from 'botbuilder';
import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
import { describeStorageContract } from './storageContract';

// MemoryStorage is the SDK's reference implementation: running the contract against it keeps the
// contract honest about what botbuilder itself guarantees. It is not transactional across a batch.
describeStorageContract('botbuilder MemoryStorage', async () => ({
  storage: new MemoryStorage(),
  dispose: async () => undefined,
}));

// STATE_STORE=memory: MemoryStorage plus create-if-absent and the listing the retention sweep uses.
describeStorageContract(
  'LocalMemoryStorage',
  async () => ({ storage: new LocalMemoryStorage(), dispose: async () => undefined }),
  { atomicBatches: false, listable: true },
);
