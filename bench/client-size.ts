/**
 * What an app pays for @insforge/ai-react: each public entry point of its `exports` map (from source, as an app would
 * bundle the published files), minified and gzipped, react and react-dom external; plus the useChat core and, once it
 * exists, the ChatPanel component.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';
import { CHAT_PANEL_GOAL, measureBundle, USE_CHAT_CORE_GOAL } from '../packages/ai-react/scripts/bundle-size.ts';
import { repoRoot } from './child-process.js';
import { composeStylesheet } from '../packages/ai-react/scripts/stylesheet.mjs';

const packageRoot = path.join(repoRoot, 'packages', 'ai-react');

export interface BundleSize {
  name: string;
  /** What was bundled, e.g. `export * from "@insforge/ai-react/admin"`. */
  what: string;
  minifiedBytes?: number;
  gzipBytes?: number;
  /** What loads on demand after the initial chunk (dynamic imports such as the code highlighter), gzipped. */
  lazyGzipBytes?: number;
  goalBytes?: number;
  /** Why there is no figure. */
  missing?: string;
}


/** Each ready-made component, imported alone from the entry that exports it (what an app pays for using one). */
const COMPONENTS: ReadonlyArray<{ name: string; from: string }> = [
  { name: 'ImageGenerator', from: 'src/index.ts' },
  { name: 'ModelPicker', from: 'src/index.ts' },
  { name: 'SettingsDialog', from: 'src/index.ts' },
  { name: 'ThreadList', from: 'src/index.ts' },
  { name: 'UsagePanel', from: 'src/admin/index.ts' },
  { name: 'FeatureHistory', from: 'src/admin/index.ts' },
  { name: 'ModelHealth', from: 'src/admin/index.ts' },
  { name: 'ErrorsTable', from: 'src/admin/index.ts' },
];

type ExportTarget = string | { import?: string; default?: string };

export async function measureClientSizes(): Promise<BundleSize[]> {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { name: string; exports: Record<string, ExportTarget> };
  const sizes: BundleSize[] = [];
  const entrySources: string[] = [];
  for (const [key, target] of Object.entries(manifest.exports)) {
    if (key === './package.json') continue;
    const file = typeof target === 'string' ? target : (target.import ?? target.default);
    const specifier = `${manifest.name}${key === '.' ? '' : key.slice(1)}`;
    if (!file) continue;
    if (file.endsWith('.css')) {
      sizes.push({ name: `entry ${specifier}`, what: 'src/styles/*.css, concatenated as the build does', ...(await cssSize()) });
      continue;
    }
    const source = sourceOf(file);
    if (!source) {
      sizes.push({ name: `entry ${specifier}`, what: file, missing: `no source for ${file}` });
      continue;
    }
    entrySources.push(source);
    sizes.push({ name: `entry ${specifier}`, what: `export * from "${specifier}"`, ...(await bundleSize(`export * from './${source}';`)) });
  }
  sizes.push({
    name: 'useChat core',
    what: 'createAiClient + createChatController (what useChat runs on)',
    goalBytes: USE_CHAT_CORE_GOAL,
    ...(await bundleSize("export { createAiClient, createChatController } from './src/index.ts';")),
  });
  sizes.push({ name: 'useChat hook', what: 'AiProvider + useChat', ...(await bundleSize("export { AiProvider, useChat } from './src/index.ts';")) });
  const panelSource = entrySources.find((source) => /\bChatPanel\b/.test(readFileSync(path.join(packageRoot, source), 'utf8')));
  sizes.push(
    panelSource
      ? { name: 'ChatPanel', what: `ChatPanel from ${panelSource}`, goalBytes: CHAT_PANEL_GOAL, ...(await bundleSize(`export { ChatPanel } from './${panelSource}';`)) }
      : { name: 'ChatPanel', what: 'the ChatPanel entry', goalBytes: CHAT_PANEL_GOAL, missing: 'not measured yet: no public entry exports ChatPanel (issue 7)' },
  );
  for (const { name, from } of COMPONENTS) {
    const exported = new RegExp(`\\b${name}\\b`).test(readFileSync(path.join(packageRoot, from), 'utf8'));
    sizes.push(exported ? { name, what: `${name} from ${from}`, ...(await bundleSize(`export { ${name} } from './${from}';`)) } : { name, what: `${name} from ${from}`, missing: `${from} does not export it` });
  }
  return sizes;
}

/** `./dist/admin/index.js` → `src/admin/index.ts` (or `.tsx`). */
function sourceOf(distFile: string): string | undefined {
  const base = distFile.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '');
  for (const extension of ['.ts', '.tsx']) {
    try {
      readFileSync(path.join(packageRoot, `${base}${extension}`));
      return `${base}${extension}`;
    } catch {
      // Try the next extension.
    }
  }
  return undefined;
}

async function bundleSize(code: string): Promise<{ minifiedBytes: number; gzipBytes: number; lazyGzipBytes: number }> {
  const { minifiedBytes, gzipBytes, lazyGzipBytes } = await measureBundle(code);
  return { minifiedBytes, gzipBytes, lazyGzipBytes };
}

async function cssSize(): Promise<{ minifiedBytes: number; gzipBytes: number } | { missing: string }> {
  let css: string;
  try {
    css = composeStylesheet().css;
  } catch {
    return { missing: 'no src/styles' };
  }
  const { code } = await transform(css, { loader: 'css', minify: true });
  return { minifiedBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}
