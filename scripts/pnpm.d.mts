import type { SpawnSyncOptions } from 'node:child_process';

export declare const PNPM_VERSION: string;
export declare const repoRoot: string;
export declare function resolvePnpm(): { command: string; prefixArgs: string[]; description: string };
export declare function runPnpm(args: string[], options?: SpawnSyncOptions): number;
export declare function nativeBuildEnv(): Record<string, string>;
