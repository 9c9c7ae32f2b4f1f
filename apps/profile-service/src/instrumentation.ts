// Preloaded with `node --require` before main: OpenTelemetry must patch @grpc/grpc-js and mongodb
// before anything requires them (ts-proto clients are built at import time).
import { startTelemetry } from '@signalpath/telemetry';

// The Prometheus scrape endpoint: PROFILE_METRICS_PORT, default 9463 (libs/config/src/stack.json, docs/deploy.md).
startTelemetry('profile-service', process.env, { metrics: { portVar: 'PROFILE_METRICS_PORT', defaultPort: 9463 } });
