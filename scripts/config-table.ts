/** Rewrites the configuration table in README.md from CONFIG_DOCS (src/config.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DOCS } from '../src/config.js';

const rows = CONFIG_DOCS.map(([name, fallback, meaning]) => `| \`${name}\` | ${fallback.startsWith('(') ? fallback : `\`${fallback}\``} | ${meaning} |`);
const table = ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
const readme = readFileSync('README.md', 'utf8');
const updated = readme.replace(/<!-- config:start -->[\s\S]*<!-- config:end -->/, `<!-- config:start -->\n${table}\n<!-- config:end -->`);
writeFileSync('README.md', updated);
