import type { Page } from 'playwright-core';

export declare const REPO_ROOT: string;
export declare const STATIC_DIR: string;
export declare function isStorybookStale(): boolean;
export declare function ensureStorybookBuilt(options?: { force?: boolean; quiet?: boolean }): { built: boolean; ms: number };
export interface StoryIndexEntry {
  type: 'story';
  id: string;
  title: string;
  name: string;
  importPath: string;
  tags?: string[];
}
export declare function storyEntries(dir?: string): StoryIndexEntry[];
export declare function serveStatic(dir?: string): Promise<{ url: string; close(): Promise<void> }>;
export declare const CHROMIUM_EXECUTABLE: string;
export declare const CHROMIUM_ARGS: string[];
export declare function storyUrl(baseUrl: string, id: string, theme?: 'light' | 'dark'): string;
export declare function waitForStory(page: Page, id: string, timeoutMs?: number): Promise<void>;
