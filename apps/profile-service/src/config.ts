import { readServerConfig, type EnvReader, type ServerConfig } from '@signalpath/config';

export type ProfileConfig = ServerConfig;

export function readConfig(env: EnvReader): ProfileConfig {
  return readServerConfig(env, 'profile');
}
