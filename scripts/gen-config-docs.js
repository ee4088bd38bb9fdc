// Writes docs/configuration.md from the config schema. Run through `npm run docs:config`, which
// builds first: the renderer lives in dist/config/docs.js.
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import { renderConfigDocs } from '../dist/config/docs.js';

const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderConfigDocs());
console.log(`wrote ${target.pathname}`);
