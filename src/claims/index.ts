export * from './paired';
export * from './rules';
export * from './holm';
export * from './references';
export * from './ledger';
