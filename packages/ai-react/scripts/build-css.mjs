#!/usr/bin/env node
// Builds dist/styles.css (see stylesheet.mjs for how it is composed) and its type declarations.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeStylesheet } from './stylesheet.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { files, css } = composeStylesheet();
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist', 'styles.css'), css);
// Types for `import '@insforge/ai-react/styles.css'`, so TypeScript resolves the side-effect import without a bundler's
// own CSS declarations (TypeScript 6 checks side-effect imports by default).
writeFileSync(path.join(root, 'dist', 'styles.css.d.ts'), 'export {};\n');
console.log(`dist/styles.css: ${files.join(', ')}`);
