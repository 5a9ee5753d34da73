import fs from 'node:fs';
import path from 'node:path';
import { apiReport, readEntryPoints } from './public-api.js';

// `npm run api:report`: rewrites the public API report after a deliberate change to an entry point.
const file = path.join(import.meta.dirname, 'public-api.md');
fs.writeFileSync(file, apiReport(readEntryPoints()));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
