import type { sendUnaryData, ServerUnaryCall, handleUnaryCall } from '@grpc/grpc-js';
import { toServiceError, toStatus } from './errors';

/** Where unary() reports unexpected errors; a pino logger fits. */
export interface ErrorSink {
  error(fields: Record<string, unknown>, message: string): void;
}

export type UnaryHandler<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;

/**
 * Adapts an async handler to grpc-js: awaits it and answers exactly once, mapping any thrown
 * error through the single error map. Unexpected errors are logged by name and method only —
 * never the request, which may carry conversation text.
 */
export function unary<Req, Res>(handler: UnaryHandler<Req, Res>, sink?: ErrorSink): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    let answered = false;
    const answer: sendUnaryData<Res> = (error, value) => {
      if (answered) return;
      answered = true;
      callback(error, value);
    };
    handler(call.request, call).then(
      (response) => answer(null, response),
      (error: unknown) => {
        const mapped = toStatus(error);
        if (mapped.unexpected && sink) {
          sink.error({ method: call.getPath(), error_name: error instanceof Error ? error.name : typeof error, stack: error instanceof Error ? error.stack : undefined }, 'unexpected error in handler');
        }
        answer(toServiceError(mapped));
      },
    );
  };
}
