import { main } from '@signalpath/service-host';
import { rankingService } from './server';

main(rankingService);
