import { MemoryStorage } from 'botbuilder';
import { describeStorageContract } from './storageContract';

// MemoryStorage is the SDK's reference implementation: running the contract against it keeps the
// contract honest about what botbuilder itself guarantees. It is not transactional across a batch.
describeStorageContract('botbuilder MemoryStorage', async () => ({
  storage: new MemoryStorage(),
  dispose: async () => undefined,
}));
