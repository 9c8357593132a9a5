// The package's stylesheet, composed one way for the build (scripts/build-css.mjs) and for whatever measures or
// serves it (the benchmark): src/styles/base.css first, then every other src/styles/*.css in name order, all inside
// the `insforge-ai` cascade layer so a host app's own (unlayered) rules always win. No global resets.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'styles');

/** @returns {{ files: string[], css: string }} the source files in order, and the stylesheet made of them */
export function composeStylesheet() {
  const files = readdirSync(SOURCES)
    .filter((name) => name.endsWith('.css'))
    .sort((a, b) => (a === 'base.css' ? -1 : b === 'base.css' ? 1 : a.localeCompare(b)));
  const body = files.map((name) => `/* ${name} */\n${readFileSync(path.join(SOURCES, name), 'utf8').trim()}`).join('\n\n');
  return { files, css: `@layer insforge-ai {\n${body}\n}\n` };
}
