/**
 * npm run build:agent — bundles the agent program into dist/agent/agent.mjs (or --outfile <path>).
 * The options live in src/hub/runtime/agent-bundle.ts, shared with the process runtime.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { AGENT_BUNDLE, buildAgentBundle } from '../src/hub/runtime/agent-bundle.js';

const i = process.argv.indexOf('--outfile');
const outfile = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : AGENT_BUNDLE;
const bytes = await buildAgentBundle(outfile);
process.stdout.write(`agent bundle: ${path.relative(PROJECT_ROOT, outfile)} (${(bytes / 1024).toFixed(0)} KiB)\n`);
