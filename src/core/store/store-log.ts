/**
 * Where a store reports what an operator should know (a durability warning, a circuit that opened).
 * Stores log nothing without one; the Nest module passes one that writes to Nest's `Logger`.
 */
export type StoreLog = (level: 'log' | 'warn' | 'error', message: string) => void;
