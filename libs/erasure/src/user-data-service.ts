import { requireId, unary, type ErrorSink, type ServiceRegistration, type UnaryHandler } from '@signalpath/grpc-kit';
import { USER_DATA_GRPC_SERVICE } from '@signalpath/config';
import { userdata } from '@signalpath/proto';

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
  delete: UnaryHandler<userdata.DeleteRequest, userdata.DeleteResponse>;
  exportType: { name: string; codec: JsonMessage<T> };
  export: (userId: string) => Promise<T>;
}

/**
 * The UserDataService registration a data-holding service adds to its GrpcServer next to its own
 * service: one shape for every implementer, so ConsentService's fan-out needs to know nothing of
 * the service but its address.
 */
export function userDataService<T>(implementation: UserDataImplementation<T>, sink?: ErrorSink): ServiceRegistration {
  const server: userdata.UserDataServiceServer = {
    delete: unary(implementation.delete, sink),
    export: unary(async (request: userdata.ExportRequest): Promise<userdata.ExportResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const document = await implementation.export(userId);
      return { documentType: implementation.exportType.name, documentJson: JSON.stringify(implementation.exportType.codec.toJSON(document)) };
    }, sink),
  };
  return { name: USER_DATA_GRPC_SERVICE, definition: userdata.UserDataServiceService, implementation: server };
}
