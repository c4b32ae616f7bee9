import { RedisHarness } from '../support/redis-harness';
import { describeStoreContract } from '../support/store-contract';

describeStoreContract(new RedisHarness());
