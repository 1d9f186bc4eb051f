/** The SQLite index: open it with {@link openIndexStore}; the contract types live in `./types.js`. */
export { indexLocation, indexMayExist, isPostgresLocation, openIndexAt, openStore } from './engine.js';
export { SCHEMA_VERSION } from './migrations.js';
export { openIndexStore } from './open.js';
export type * from './types.js';
export { SKIP_REASONS } from './types.js';
