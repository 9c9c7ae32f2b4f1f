// Validates every service's environment the way the services do at start, so `npm start` fails
// fast, naming the variable, before building anything.
import { loadConfigOrExit } from '@signalpath/config';
import { readConfig as consent } from '../apps/consent-service/src/config';
import { readConfig as signal } from '../apps/signal-service/src/config';
import { readConfig as profile } from '../apps/profile-service/src/config';
import { readConfig as ranking } from '../apps/ranking-service/src/config';

for (const read of [consent, signal, profile, ranking]) loadConfigOrExit(read);
