/** Row ids are UUIDs; a string that is not one must not reach a `uuid` column (PostgreSQL would raise). */
export { isUuid } from '../shared/wire.js';
