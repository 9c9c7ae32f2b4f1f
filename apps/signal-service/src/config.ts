import { readServerConfig, type EnvReader, type ServerConfig } from '@signalpath/config';

export type SignalConfig = ServerConfig;

export function readConfig(env: EnvReader): SignalConfig {
  return readServerConfig(env, 'signal');
}
