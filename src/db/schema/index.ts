// The whole database schema: one file per area, re-exported here for drizzle and drizzle-kit.
export * from './scheduler';
export * from './reputation';
export * from './dnsbl';
export * from './alerts';
export * from './relay';
export * from './ingest';
export * from './campaigns';
export * from './steering';
export * from './suppression';
