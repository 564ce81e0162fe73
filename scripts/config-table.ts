/**
 * Regenerates the configuration table in README.md and the commented `.env.example` from
 * CONFIG_DOCS (src/config.ts), so the docs cannot drift from the code (test/config.test.ts checks).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DOCS } from '../src/config.js';

const rows = CONFIG_DOCS.map(
  ([name, fallback, meaning]) => `| \`${name}\` | ${fallback.startsWith('(') ? fallback : `\`${fallback}\``} | ${meaning} |`,
);
const table = ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
const readme = readFileSync('README.md', 'utf8');
const updated = readme.replace(/<!-- config:start -->[\s\S]*<!-- config:end -->/, `<!-- config:start -->\n${table}\n<!-- config:end -->`);
writeFileSync('README.md', updated);

const env = [
  '# Artic configuration. Every variable is optional for `npm start` (embedded defaults);',
  '# NODE_ENV=production requires INTERNAL_SECRET, JWT_SECRET and ENCRYPTION_KEY (openssl rand -hex 32).',
  '# Generated from src/config.ts by `npx tsx scripts/config-table.ts`.',
  '',
  ...CONFIG_DOCS.flatMap(([name, fallback, meaning]) => [`# ${meaning} (default: ${fallback.replace(/[()]/g, '')})`, `# ${name}=`, '']),
].join('\n');
writeFileSync('.env.example', env);
