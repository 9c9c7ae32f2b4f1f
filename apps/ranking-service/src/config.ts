import { readServerConfig, type EnvReader, type ServerConfig } from '@signalpath/config';

export type RankingConfig = ServerConfig;

export function readConfig(env: EnvReader): RankingConfig {
  return readServerConfig(env, 'ranking');
}
