// Reports bundle sizes: the chat core (what an app pays for `useChat`), each component and each entry point,
// minified and gzipped, react and react-dom external, CSS separate. Prints figures against the target; never fails the build.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const TARGET_GZIP_BYTES = 12 * 1024;

/** The entries measured: each a few exports of the public index, bundled as an app would import them. */
const entries = [
  { name: 'useChat core (createAiClient + createChatController)', code: "export { createAiClient, createChatController } from './src/index.ts';", target: TARGET_GZIP_BYTES },
  { name: 'ChatPanel (react external, CSS separate)', code: "export { ChatPanel } from './src/index.ts';", target: 35 * 1024 },
  { name: 'ImageGenerator', code: "export { ImageGenerator } from './src/index.ts';" },
  { name: 'ModelPicker', code: "export { ModelPicker } from './src/index.ts';" },
  { name: 'SettingsDialog', code: "export { SettingsDialog } from './src/index.ts';" },
  { name: 'admin entry (@insforge/ai-react/admin)', code: "export * from './src/admin/index.ts';" },
  { name: 'whole root entry (every export of src/index.ts)', code: "export * from './src/index.ts';" },
];

async function measure(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: packageRoot, sourcefile: 'size-entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['react', 'react-dom', 'react/*', 'react-dom/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: packageRoot,
  });
  const output = result.outputFiles[0].contents;
  const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)
    .map(([path, { bytesInOutput }]) => ({ path: path.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ''), bytesInOutput }))
    .filter((input) => input.bytesInOutput > 0)
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput);
  return { minified: output.byteLength, gzip: gzipSync(output, { level: 9 }).byteLength, inputs };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;

for (const entry of entries) {
  const { minified, gzip, inputs } = await measure(entry.code);
  console.log(`${entry.name}`);
  console.log(`  minified ${kb(minified)}, gzip ${kb(gzip)}${entry.target ? ` (target < ${kb(entry.target)} gzip: ${gzip < entry.target ? 'met' : 'NOT met'})` : ''}`);
  console.log(`  largest inputs (minified bytes): ${inputs.slice(0, 5).map((input) => `${input.path} ${input.bytesInOutput}`).join(', ')}`);
}
