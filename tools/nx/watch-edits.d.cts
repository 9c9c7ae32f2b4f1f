export declare const LIB_FILE: string;
export declare const LIB_MESSAGE: string;
export interface WatchEdit {
  where: 'lib' | 'app';
  file: string;
  libMessage?: string;
  marker?: string;
}
export declare function makeEdit(root: string, app: string, n: number, previous?: WatchEdit): WatchEdit;
