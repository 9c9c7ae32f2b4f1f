// Preloaded with `node --require` before main: OpenTelemetry must patch @grpc/grpc-js and mongodb
// before anything requires them (ts-proto clients are built at import time).
import { startTelemetry } from '@signalpath/telemetry';

// The Prometheus scrape endpoint: RANKING_METRICS_PORT, default 9464 (libs/config/src/stack.json, docs/deploy.md).
startTelemetry('ranking-service', process.env, { metrics: { portVar: 'RANKING_METRICS_PORT', defaultPort: 9464 } });
