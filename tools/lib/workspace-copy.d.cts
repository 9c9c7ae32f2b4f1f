export declare function copyWorkspace(prefix?: string): { root: string; remove(): void };
