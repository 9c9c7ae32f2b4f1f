import { GrpcServer } from '@signalpath/grpc-kit';
import { descriptorSet, healthDescriptorSet, signal } from '@signalpath/proto';
import type { ServiceModule } from '@signalpath/service-host';

import { readConfig, type SignalConfig } from './config';

/** SignalService: RPCs not implemented yet answer UNIMPLEMENTED. */
export const signalService: ServiceModule<SignalConfig> = {
  key: 'signal',
  readConfig,
  indexes: {},
  create() {
    const server = new GrpcServer({
      services: [{ name: 'signalpath.signal.v1.SignalService', definition: signal.SignalServiceService, implementation: {} }],
      descriptorSets: [descriptorSet, healthDescriptorSet],
    });
    return { server };
  },
};
