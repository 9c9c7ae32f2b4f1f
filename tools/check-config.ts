// Validates every service's environment the way the services do at start, so `npm start` fails
// fast, naming the variable, before building anything.
import { loadConfigOrExit } from '@signalpath/config';
import type { ServiceModule } from '@signalpath/service-host';
// Through each app's public factory (server.ts, the service template), never its internals:
// the module's own readConfig is what the service runs at start.
/* eslint-disable @nx/enforce-module-boundaries */
import { consentService } from '../apps/consent-service/src/server';
import { signalService } from '../apps/signal-service/src/server';
import { profileService } from '../apps/profile-service/src/server';
import { rankingService } from '../apps/ranking-service/src/server';
/* eslint-enable @nx/enforce-module-boundaries */

const modules: ServiceModule[] = [consentService, signalService, profileService, rankingService];
for (const module of modules) loadConfigOrExit((env) => module.readConfig(env));
