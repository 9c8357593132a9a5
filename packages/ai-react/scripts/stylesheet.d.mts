export declare function composeStylesheet(): { files: string[]; css: string };
