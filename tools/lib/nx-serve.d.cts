import type { ChildProcess } from 'node:child_process';
import type { ServiceSpec } from './stack.cjs';

export interface NxServeProcess extends ServiceSpec {
  port: number;
  /** The service process listening on its port now, or undefined while it (re)starts. */
  pid(): number | undefined;
}
export interface NxServeLine {
  key: string;
  line: string;
  at: number;
}
export declare function startNxServe(options: {
  env: NodeJS.ProcessEnv;
  quiet?: boolean;
  only?: string[];
  root?: string;
  onExit?: (entry: { key: string; app: string; child: ChildProcess; stderrLines: string[] }, code: number | null, signal: string | null) => void;
}): { child: ChildProcess; processes: NxServeProcess[]; output: NxServeLine[]; waitHealthy(timeoutMs?: number): Promise<void>; stop(graceMs?: number): Promise<void> };
