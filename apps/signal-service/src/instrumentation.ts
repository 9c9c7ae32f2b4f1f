// Preloaded with `node --require` before main: OpenTelemetry must patch @grpc/grpc-js and mongodb
// before anything requires them (ts-proto clients are built at import time).
import { startTelemetry } from '@signalpath/telemetry';

startTelemetry('signal-service');
