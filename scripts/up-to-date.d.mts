export declare function newestMtime(target: string): number;
export declare function oldestFileMtime(folder: string): number | undefined;
export declare function isUpToDate(outputs: string[], inputs: string[]): boolean;
