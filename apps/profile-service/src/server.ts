import { GrpcServer } from '@signalpath/grpc-kit';
import { descriptorSet, healthDescriptorSet, profile } from '@signalpath/proto';
import type { ServiceModule } from '@signalpath/service-host';

import { readConfig, type ProfileConfig } from './config';

/** ProfileService: RPCs not implemented yet answer UNIMPLEMENTED. */
export const profileService: ServiceModule<ProfileConfig> = {
  key: 'profile',
  readConfig,
  indexes: {},
  create() {
    const server = new GrpcServer({
      services: [{ name: 'signalpath.profile.v1.ProfileService', definition: profile.ProfileServiceService, implementation: {} }],
      descriptorSets: [descriptorSet, healthDescriptorSet],
    });
    return { server };
  },
};
