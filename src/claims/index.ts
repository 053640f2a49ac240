export * from './paired';
export * from './ledger';
