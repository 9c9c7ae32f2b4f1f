export interface ProcessInfo {
  pid: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}
export declare function descendants(root: number): number[];
export declare function processInfo(pid: number): ProcessInfo | undefined;
export declare function listeningPid(port: number, candidates?: number[]): number | undefined;
