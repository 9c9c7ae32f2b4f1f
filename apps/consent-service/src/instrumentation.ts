// Preloaded with `node --require` before main: OpenTelemetry must patch @grpc/grpc-js and mongodb
// before anything requires them (ts-proto clients are built at import time).
import { startTelemetry } from '@signalpath/telemetry';

// The Prometheus scrape endpoint: CONSENT_METRICS_PORT, default 9461 (libs/config/src/stack.json, docs/deploy.md).
startTelemetry('consent-service', process.env, { metrics: { portVar: 'CONSENT_METRICS_PORT', defaultPort: 9461 } });
