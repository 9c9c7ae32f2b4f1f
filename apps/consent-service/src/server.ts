import { GrpcServer } from '@signalpath/grpc-kit';
import { descriptorSet, healthDescriptorSet, consent } from '@signalpath/proto';
import type { ServiceModule } from '@signalpath/service-host';

import { readConfig, type ConsentConfig } from './config';

/** ConsentService: RPCs not implemented yet answer UNIMPLEMENTED. */
export const consentService: ServiceModule<ConsentConfig> = {
  key: 'consent',
  readConfig,
  indexes: {},
  create() {
    const server = new GrpcServer({
      services: [{ name: 'signalpath.consent.v1.ConsentService', definition: consent.ConsentServiceService, implementation: {} }],
      descriptorSets: [descriptorSet, healthDescriptorSet],
    });
    return { server };
  },
};
