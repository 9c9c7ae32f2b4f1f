import {
  Metadata,
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import type { ErrorSink } from './unary';

/** What grpc-js hands a call's `start`: the layer above's listener (not exported by name). */
type InterceptingServerListener = Parameters<ServerInterceptingCallInterface['start']>[0];

/**
 * Server interceptors and listener callbacks run inside grpc-js's stream events, timers and
 * promises: an exception there is caught by nothing and ends the process (an uncaught exception,
 * or an unhandled rejection from grpc-js's async unary handler). `guardInterceptor` puts a
 * try/catch on every edge of an interceptor: its construction, its view of the call below it
 * (start, sendMetadata, sendMessage, sendStatus, startRead) and of the listener above it
 * (onReceiveMetadata, onReceiveMessage, onReceiveHalfClose, onCancel), including an interceptor's
 * asynchronous `next(...)`. A throw anywhere becomes INTERNAL for that call, one log line (method,
 * where, error name and stack frames — never the error message, which may quote caller input),
 * and the call receives no further events.
 */

/** The log line of a caught exception, without the message line of its stack. */
function describe(error: unknown): { error_name: string; stack?: string } {
  if (!(error instanceof Error)) return { error_name: typeof error };
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  return { error_name: error.name, stack: frames?.join('\n') };
}

/** Where interceptor failures are logged when the server is given no sink: one JSON line on stderr. */
export const stderrErrorSink: ErrorSink = {
  error(fields, message) {
    process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), name: 'grpc-kit', ...fields, msg: message })}\n`);
  },
};

const EVENTS = ['onReceiveMetadata', 'onReceiveMessage', 'onReceiveHalfClose'] as const;

class CallGuard {
  failed = false;

  constructor(
    /** The call below the guarded interceptor: where INTERNAL is sent. */
    private readonly below: ServerInterceptingCallInterface,
    private readonly method: string,
    private readonly sink: ErrorSink,
  ) {}

  fail(error: unknown, where: string): void {
    if (this.failed) return;
    this.failed = true;
    try {
      this.sink.error({ method: this.method, where, ...describe(error) }, 'unexpected exception in a server interceptor or listener; answered INTERNAL');
    } catch {
      // A broken sink must not take the process down either.
    }
    try {
      const answer: Partial<StatusObject> = { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
      this.below.sendStatus(answer as StatusObject);
    } catch {
      // The call is already unusable; the client sees its deadline or a reset stream.
    }
  }

  run(where: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.fail(error, where);
    }
  }

  /** A listener whose callbacks cannot throw, and which hears nothing more once the call failed. */
  listener(target: InterceptingServerListener): InterceptingServerListener {
    const guarded = {} as InterceptingServerListener;
    for (const event of EVENTS) {
      guarded[event] = ((value?: unknown) => {
        if (this.failed) return;
        this.run(event, () => (target[event] as (value?: unknown) => void)(value));
      }) as never;
    }
    // Cancellation still reaches the layers above (they may hold resources), guarded.
    guarded.onCancel = () => this.run('onCancel', () => target.onCancel());
    return guarded;
  }
}

/** Delegates to `target`, with every method that can run interceptor code guarded. */
class GuardedCall implements ServerInterceptingCallInterface {
  constructor(
    private readonly target: ServerInterceptingCallInterface,
    private readonly guard: CallGuard,
  ) {}

  start(listener: InterceptingServerListener): void {
    this.guard.run('start', () => this.target.start(this.guard.listener(listener)));
  }
  sendMetadata(metadata: Metadata): void {
    this.guard.run('sendMetadata', () => this.target.sendMetadata(metadata));
  }
  sendMessage(message: unknown, callback: () => void): void {
    this.guard.run('sendMessage', () => this.target.sendMessage(message, () => this.guard.run('sendMessage callback', callback)));
  }
  sendStatus(value: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
    this.guard.run('sendStatus', () => this.target.sendStatus(value));
  }
  startRead(): void {
    this.guard.run('startRead', () => this.target.startRead());
  }
  getPeer() {
    return this.target.getPeer();
  }
  getDeadline() {
    return this.target.getDeadline();
  }
  getHost() {
    return this.target.getHost();
  }
  getAuthContext() {
    return this.target.getAuthContext();
  }
  getConnectionInfo() {
    return this.target.getConnectionInfo();
  }
  getMetricsRecorder() {
    return this.target.getMetricsRecorder();
  }
}

/** `interceptor` with no way to throw into grpc-js (see above). */
export function guardInterceptor(interceptor: ServerInterceptor, sink: ErrorSink = stderrErrorSink): ServerInterceptor {
  return (method, call) => {
    const guard = new CallGuard(call, method.path, sink);
    const below = new GuardedCall(call, guard);
    let intercepted: ServerInterceptingCallInterface;
    try {
      intercepted = interceptor(method, below);
    } catch (error) {
      guard.fail(error, 'interceptor');
      intercepted = below;
    }
    return new ServerInterceptingCall(new GuardedCall(intercepted, guard));
  };
}

/** A layer that only forwards: guarded, it covers grpc-js's own handler listeners too. */
const passThrough: ServerInterceptor = (_method, call) => new ServerInterceptingCall(call);

/**
 * The interceptors a server installs: each one guarded; with none, a guarded pass-through layer,
 * so that the handler's listener callbacks are covered as well.
 */
export function guardInterceptors(interceptors: readonly ServerInterceptor[], sink: ErrorSink = stderrErrorSink): ServerInterceptor[] {
  return (interceptors.length > 0 ? interceptors : [passThrough]).map((interceptor) => guardInterceptor(interceptor, sink));
}
