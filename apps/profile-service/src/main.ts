import { main } from '@signalpath/service-host';
import { profileService } from './server';

main(profileService);
