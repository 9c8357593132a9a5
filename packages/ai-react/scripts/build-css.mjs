#!/usr/bin/env node
// Builds dist/styles.css: src/styles/base.css first, then every other src/styles/*.css in name order, all inside
// the `insforge-ai` cascade layer so a host app's own (unlayered) rules always win. No global resets.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = path.join(root, 'src', 'styles');
const files = readdirSync(sources).filter((name) => name.endsWith('.css')).sort((a, b) => (a === 'base.css' ? -1 : b === 'base.css' ? 1 : a.localeCompare(b)));
const body = files.map((name) => `/* ${name} */\n${readFileSync(path.join(sources, name), 'utf8').trim()}`).join('\n\n');
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist', 'styles.css'), `@layer insforge-ai {\n${body}\n}\n`);
// Types for `import '@insforge/ai-react/styles.css'`, so TypeScript resolves the side-effect import without a bundler's
// own CSS declarations (TypeScript 6 checks side-effect imports by default).
writeFileSync(path.join(root, 'dist', 'styles.css.d.ts'), 'export {};\n');
console.log(`dist/styles.css: ${files.join(', ')}`);
