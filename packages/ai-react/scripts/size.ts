// Reports bundle sizes: the chat core (what an app pays for `useChat`), each component and each entry point,
// minified and gzipped, react and react-dom external, CSS separate. Prints figures against the target; never fails the build.
import { CHAT_PANEL_GOAL, measureBundle, USE_CHAT_CORE_GOAL } from './bundle-size.js';

/** The entries measured: each a few exports of the public index, bundled as an app would import them. */
const entries: Array<{ name: string; code: string; target?: number }> = [
  { name: 'useChat core (createAiClient + createChatController)', code: "export { createAiClient, createChatController } from './src/index.ts';", target: USE_CHAT_CORE_GOAL },
  { name: 'ChatPanel (react external, CSS separate)', code: "export { ChatPanel } from './src/index.ts';", target: CHAT_PANEL_GOAL },
  { name: 'ImageGenerator', code: "export { ImageGenerator } from './src/index.ts';" },
  { name: 'ModelPicker', code: "export { ModelPicker } from './src/index.ts';" },
  { name: 'SettingsDialog', code: "export { SettingsDialog } from './src/index.ts';" },
  { name: 'ThreadList', code: "export { ThreadList } from './src/index.ts';" },
  { name: 'UsagePanel', code: "export { UsagePanel } from './src/admin/index.ts';" },
  { name: 'ModelHealth + ErrorsTable', code: "export { ModelHealth, ErrorsTable } from './src/admin/index.ts';" },
  { name: 'chat primitives (Thread, Message, Composer, ActionBar)', code: "export { Thread, Message, Composer, ActionBar } from './src/index.ts';" },
  { name: 'admin entry (@insforge/ai-react/admin)', code: "export * from './src/admin/index.ts';" },
  { name: 'whole root entry (every export of src/index.ts)', code: "export * from './src/index.ts';" },
];

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

for (const entry of entries) {
  const { minifiedBytes: minified, gzipBytes: gzip, lazyGzipBytes: lazy, inputs } = await measureBundle(entry.code);
  console.log(`${entry.name}`);
  console.log(`  initial: minified ${kb(minified)}, gzip ${kb(gzip)}${entry.target ? ` (target < ${kb(entry.target)} gzip: ${gzip < entry.target ? 'met' : 'NOT met'})` : ''}${lazy > 0 ? `; loaded on demand: gzip ${kb(lazy)}` : ''}`);
  console.log(`  largest inputs (minified bytes): ${inputs.slice(0, 5).map((input) => `${input.path} ${input.bytesInOutput}`).join(', ')}`);
}
