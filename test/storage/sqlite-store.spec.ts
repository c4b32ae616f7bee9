import { SqliteHarness } from '../support/sql-harness';
import { describeStoreContract } from '../support/store-contract';

describeStoreContract(new SqliteHarness());
