// Validates every service's environment the way the services do at start, so `npm start` fails
// fast, naming the variable, before building anything.
import { loadConfigOrExit, type EnvReader } from '@signalpath/config';
// Tools may read the apps' config modules: this is the one place that validates all four.
/* eslint-disable @nx/enforce-module-boundaries */
import { readConfig as consent } from '../apps/consent-service/src/config';
import { readConfig as signal } from '../apps/signal-service/src/config';
import { readConfig as profile } from '../apps/profile-service/src/config';
import { readConfig as ranking } from '../apps/ranking-service/src/config';
/* eslint-enable @nx/enforce-module-boundaries */

const readers: Array<(env: EnvReader) => unknown> = [consent, signal, profile, ranking];
for (const read of readers) loadConfigOrExit(read);
