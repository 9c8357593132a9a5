import type { ChildProcess } from 'node:child_process';

export declare function freePort(): Promise<number>;
export declare function waitForOutput(child: ChildProcess, read: () => string, pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
export declare function stopProcessGroup(child: ChildProcess, graceMs?: number): Promise<void>;
export declare const CALLER_SETTINGS: string[];
export declare function cleanEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
