// Types of stack.cjs for TypeScript callers (tests, benchmarks).
import type { ChildProcess } from 'node:child_process';

import type { ServiceSpec } from '@signalpath/config';

// One source for a service's description: @signalpath/config's ServiceSpec (the shape of stack.json).
export type { ServiceSpec };
export declare const STACK: { nodeFlags: string[]; services: ServiceSpec[] };
export declare const SERVICES: ServiceSpec[];
export declare const NODE_FLAGS: string[];
export declare function serviceNodeArgs(service: ServiceSpec, root?: string, nodeFlags?: string[]): string[];
export declare function serviceMain(service: ServiceSpec, root?: string): string;
export declare function buildServices(): void;
export declare function servicePorts(env?: NodeJS.ProcessEnv): Record<string, number>;
export interface HealthTls {
  dir: string;
  serverIdentity: string;
}
export declare function healthStatus(address: string, service?: string, tls?: HealthTls): Promise<string>;
export declare function healthTls(env: NodeJS.ProcessEnv, app: string): HealthTls | undefined;
export declare function metricsPortEnv(env: NodeJS.ProcessEnv): Record<string, string>;
export declare function testPort(base: number, env?: NodeJS.ProcessEnv): number;
export declare const REPLICA_PORT_STEP: number;
export declare function replicaCount(env?: NodeJS.ProcessEnv): number;
export declare function replicaAddresses(env: NodeJS.ProcessEnv, replicas: number): Record<string, string[]>;
export interface StackProcess extends ServiceSpec {
  /** Which replica of its service (from 0). */
  replica: number;
  child: ChildProcess;
  stderrLines: string[];
  port: number;
}
export declare function startServices(options: {
  env: NodeJS.ProcessEnv;
  quiet?: boolean;
  only?: string[];
  /** Processes of each service (default REPLICAS from env, else 1). */
  replicas?: number;
  /** Start only this replica index of each service named. */
  onlyReplica?: number;
  onExit?: (entry: StackProcess, code: number | null, signal: string | null) => void;
}): { processes: StackProcess[]; waitHealthy(timeoutMs?: number): Promise<void>; stop(graceMs?: number): Promise<void> };
