/**
 * What costs what inside our gateway: a fresh gateway process runs under `--cpu-prof` while a closed loop sends the
 * request mix; self time is then attributed to source files (through the bundle's source map) and grouped by area.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop } from './load.js';
import type { BenchWorkspace, Emulator } from './targets.js';
import { startOurGateway } from './targets.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileResult {
  requests: number;
  durationMs: number;
  /** Sampled time that was not idle, per request. */
  busyMsPerRequest: number;
  areas: ProfileEntry[];
  functions: ProfileEntry[];
  /** Self time in the gateway's own source files, by file. */
  ourFiles: ProfileEntry[];
  /** Self time of the functions `callers` names, by the stack that called them (innermost first). */
  stacks: ProfileEntry[];
}

export async function profileOurGateway(
  workspace: BenchWorkspace,
  emulator: Emulator,
  workers: number,
  durationMs: number,
  options: {
    /** The request kinds of the loop, in turn. Default all. */
    kinds?: readonly RequestKind[];
    /** How our gateway runs (`without: ['express']`: as `insforge-ai serve`). Default mounted in Express. */
    gateway?: Parameters<typeof startOurGateway>[3];
    /** How many functions to list. Default 15. */
    top?: number;
    /** Functions (their `name — file:line` label) whose self time is also listed by the stacks that called them. */
    callers?: RegExp;
  } = {},
): Promise<ProfileResult> {
  const { kinds = REQUEST_KINDS, gateway = {}, top = 15, callers } = options;
  const directory = workspace.fresh('cpu-profile');
  mkdirSync(directory);
  const target = await startOurGateway(workspace, emulator, ['--cpu-prof', `--cpu-prof-dir=${directory}`, '--cpu-prof-interval=250'], gateway);
  let requests: number;
  try {
    const specs = kinds.map((kind) => buildRequest(target.address, kind));
    const next = (index: number) => specs[index % specs.length] ?? buildRequest(target.address, 'chat');
    await closedLoop(next, workers, Math.min(2_000, durationMs / 4));
    requests = (await closedLoop(next, workers, durationMs)).completed;
  } finally {
    await target.child.stop();
  }
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('the gateway wrote no CPU profile');
  const profile = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as CpuProfile;
  return summarize(profile, requests, top, callers);
}

/** How many frames of a caller's stack are shown, the function itself included. */
const STACK_FRAMES = 7;

function summarize(profile: CpuProfile, requests: number, top: number, callers?: RegExp): ProfileResult {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const maps = new Map<string, SourceMap | undefined>();
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const ourFiles = new Map<string, number>();
  const stacks = new Map<string, number>();
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  const labelOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const source = originalSource(url, lineNumber, columnNumber, maps);
    return { source, label: `${functionName || '(anonymous)'} — ${shortPath(source.file)}${source.line === undefined ? '' : `:${source.line + 1}`}` };
  };
  let busyUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName } = node.callFrame;
    if (functionName === '(idle)') continue;
    busyUs += us;
    const { source, label } = labelOf(node);
    const area = areaOf(functionName, source);
    areas.set(area, (areas.get(area) ?? 0) + us);
    functions.set(label, (functions.get(label) ?? 0) + us);
    if (callers?.test(label)) {
      const frames = [label];
      for (let parent = parents.get(node.id); parent && frames.length < STACK_FRAMES; parent = parents.get(parent.id)) frames.push(labelOf(parent).label);
      const stack = frames.join('\n      ← ');
      stacks.set(stack, (stacks.get(stack) ?? 0) + us);
    }
    if (area.startsWith('ours:')) {
      const ourFile = shortPath(source.file);
      ourFiles.set(ourFile, (ourFiles.get(ourFile) ?? 0) + us);
    }
  }
  const entries = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: us / busyUs }));
  return {
    requests,
    durationMs: (profile.endTime - profile.startTime) / 1000,
    busyMsPerRequest: busyUs / 1000 / Math.max(1, requests),
    areas: entries(areas, 14),
    functions: entries(functions, top),
    ourFiles: entries(ourFiles, 12),
    stacks: entries(stacks, 8),
  };
}

/** Maps a profile position in the bundle back to its source file (and line); other URLs stay as they are. */
export function originalSource(url: string, line: number, column: number, maps: Map<string, SourceMap | undefined>): { file: string; line?: number } {
  if (!url.startsWith('file://') || !url.includes('insforge-bench')) return { file: url };
  if (!maps.has(url)) {
    try {
      const file = fileURLToPath(url);
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload));
    } catch {
      maps.set(url, undefined);
    }
  }
  const entry = maps.get(url)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  if (!entry?.originalSource) return { file: url };
  // Sources are relative to the bundle's folder (server/node_modules/.cache/insforge-bench).
  const file = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(fileURLToPath(url)), entry.originalSource);
  return { file, ...(entry.originalLine === undefined ? {} : { line: entry.originalLine }) };
}

/** A source file's path from its package or our folder (`undici/lib/…`, `server/src/…`). */
export function shortPath(file: string): string {
  const packageMatch = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
  if (packageMatch) return `${packageMatch[1]}/${packageMatch[2]}`;
  const ours = /(server\/src\/.*|bench\/.*|packages\/.*)$/.exec(file);
  if (ours?.[1]) return ours[1];
  return file.replace(/^file:\/\//, '') || '(native)';
}

function areaOf(functionName: string, source: { file: string }): string {
  const file = source.file;
  if (!file) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  const ours = /server\/src\/([^/]+)(?:\/|$)/.exec(file);
  if (ours?.[1]) return `ours: ${ours[1].endsWith('.ts') ? ours[1] : `${ours[1]}/`}`;
  const packageMatch = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (packageMatch?.[1]) return `npm: ${packageMatch[1]}`;
  const internal = /^node:internal\/(?:deps\/)?([^/]+)/.exec(file);
  if (internal?.[1]) return `node: ${internal[1]}`;
  if (file.startsWith('node:')) return `node: ${file.slice(5)}`;
  if (file.includes('/bench/')) return 'bench entry';
  return file;
}
