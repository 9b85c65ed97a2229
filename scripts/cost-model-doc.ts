/**
 * `npm run doc:profile`: rewrite the generated section of docs/cost-model.md
 * (every profile entry, grouped by provenance) from the shipped profile.
 * `--check` only reports whether the doc is up to date (exit status 1 if not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../src/profile/load.js';
import { generatedCostModelSection, spliceGenerated } from '../src/profile/doc.js';

const docPath = fileURLToPath(new URL('../docs/cost-model.md', import.meta.url));
const doc = readFileSync(docPath, 'utf8');
const next = spliceGenerated(doc, generatedCostModelSection(loadProfile()));
if (process.argv.includes('--check')) {
  if (next !== doc) {
    console.error('docs/cost-model.md is out of date with the profile: run `npm run doc:profile`');
    process.exit(1);
  }
  console.log('docs/cost-model.md is up to date');
} else if (next !== doc) {
  writeFileSync(docPath, next);
  console.log('docs/cost-model.md: generated section rewritten');
} else {
  console.log('docs/cost-model.md: already up to date');
}
