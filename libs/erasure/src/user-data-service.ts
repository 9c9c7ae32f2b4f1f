import { requireId, type AsyncServer } from '@signalpath/grpc-kit';
import type { userdata } from '@signalpath/proto';

/** A generated message type that can render its proto3 JSON. */
export interface JsonMessage<T> {
  toJSON(message: T): unknown;
}

/**
 * A service's part of the user-data contract: `delete` erases in a scope (behind a marker and the
 * fence, see eraseFenced), `export` returns everything held under the user's id as one of the
 * service's own messages, `exportType` (with its full proto name) renders it.
 */
export interface UserDataImplementation<T> {
  delete: AsyncServer<userdata.UserDataServiceServer>['delete'];
  exportType: { name: string; codec: JsonMessage<T> };
  export: (userId: string) => Promise<T>;
}

/**
 * The UserDataService handlers of a data-holding service (bound next to its own service with
 * grpc-kit's bindService): one shape for every implementer, so ConsentService's fan-out needs to
 * know nothing of the service but its address. Export renders the service's own message as
 * proto3 JSON and names its type.
 */
export function userDataContract<T>(implementation: UserDataImplementation<T>): AsyncServer<userdata.UserDataServiceServer> {
  return {
    delete: implementation.delete,
    export: async (request) => {
      const userId = requireId(request.userId, 'user_id');
      const document = await implementation.export(userId);
      return { documentType: implementation.exportType.name, documentJson: JSON.stringify(implementation.exportType.codec.toJSON(document)) };
    },
  };
}
