// Types of stack.cjs for TypeScript callers (tests, benchmarks).
import type { ChildProcess } from 'node:child_process';

export interface ServiceSpec {
  key: string;
  app: string;
  grpcService: string;
  portVar: string;
  addrVar: string;
  defaultPort: number;
  metricsPortVar: string;
  defaultMetricsPort: number;
  nodeFlags?: string[];
}
export declare const STACK: { nodeFlags: string[]; services: ServiceSpec[] };
export declare const SERVICES: ServiceSpec[];
export declare const NODE_FLAGS: string[];
export declare function serviceNodeArgs(service: ServiceSpec, root?: string, nodeFlags?: string[]): string[];
export declare function serviceMain(service: ServiceSpec, root?: string): string;
export declare function buildServices(): void;
export declare function servicePorts(env?: NodeJS.ProcessEnv): Record<string, number>;
export declare function healthStatus(address: string, service?: string): Promise<string>;
export declare function metricsPortEnv(env: NodeJS.ProcessEnv): Record<string, string>;
export declare function testPort(base: number, env?: NodeJS.ProcessEnv): number;
export interface StackProcess extends ServiceSpec {
  child: ChildProcess;
  stderrLines: string[];
  port: number;
}
export declare function startServices(options: {
  env: NodeJS.ProcessEnv;
  quiet?: boolean;
  only?: string[];
  onExit?: (entry: StackProcess, code: number | null, signal: string | null) => void;
}): { processes: StackProcess[]; waitHealthy(timeoutMs?: number): Promise<void>; stop(graceMs?: number): Promise<void> };
