// Preloaded with `node --require` before main: OpenTelemetry must patch @grpc/grpc-js and mongodb
// before anything requires them (ts-proto clients are built at import time).
import { startTelemetry } from '@signalpath/telemetry';

// The Prometheus scrape endpoint: SIGNAL_METRICS_PORT, default 9462 (libs/config/src/stack.json, docs/deploy.md).
startTelemetry('signal-service', process.env, { metrics: { portVar: 'SIGNAL_METRICS_PORT', defaultPort: 9462 } });
