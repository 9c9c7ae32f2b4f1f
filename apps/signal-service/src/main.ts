import { main } from '@signalpath/service-host';
import { signalService } from './server';

main(signalService);
