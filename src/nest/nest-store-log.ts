import { Logger } from '@nestjs/common';
import type { StoreLog } from '../core/store/store-log';

/** A store's log written to Nest's `Logger` under `context`. */
export function nestStoreLog(context: string): StoreLog {
  const logger = new Logger(context);
  return (level, message) => logger[level](message);
}
