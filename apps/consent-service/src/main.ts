import { main } from '@signalpath/service-host';
import { consentService } from './server';

main(consentService);
