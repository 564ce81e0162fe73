/** The product version, from the project's package.json (see src/paths.ts). */
export { PROJECT_VERSION as VERSION } from './paths.js';
