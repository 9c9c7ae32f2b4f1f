import { readServerConfig, type EnvReader, type ServerConfig } from '@signalpath/config';

export type ConsentConfig = ServerConfig;

export function readConfig(env: EnvReader): ConsentConfig {
  return readServerConfig(env, 'consent');
}
