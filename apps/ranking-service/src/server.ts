import { GrpcServer } from '@signalpath/grpc-kit';
import { descriptorSet, healthDescriptorSet, ranking } from '@signalpath/proto';
import type { ServiceModule } from '@signalpath/service-host';

import { readConfig, type RankingConfig } from './config';

/** RankingService: RPCs not implemented yet answer UNIMPLEMENTED. */
export const rankingService: ServiceModule<RankingConfig> = {
  key: 'ranking',
  readConfig,
  indexes: {},
  create() {
    const server = new GrpcServer({
      services: [{ name: 'signalpath.ranking.v1.RankingService', definition: ranking.RankingServiceService, implementation: {} }],
      descriptorSets: [descriptorSet, healthDescriptorSet],
    });
    return { server };
  },
};
