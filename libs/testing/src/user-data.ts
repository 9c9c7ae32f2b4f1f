import type { CallOverrides } from '@signalpath/grpc-kit';
import type { userdata } from '@signalpath/proto';
import { createUserDataClient, type UserDataClient } from '@signalpath/service-clients';

/** A service's typed export message: proto3 JSON in, message out. */
export interface ExportCodec<T> {
  fromJSON(object: unknown): T;
}

/** A UserDataService client whose Export answers the service's own typed message (tests). */
export interface TypedUserData<T> {
  client: UserDataClient;
  deleteUserData(request: userdata.DeleteRequest, overrides?: CallOverrides): Promise<userdata.DeleteResponse>;
  exportUserData(request: userdata.ExportRequest, overrides?: CallOverrides): Promise<T>;
  close(): void;
}

/** Wraps `client` so Export is decoded with `codec` after checking the document type it names. */
export function typedUserData<T>(client: UserDataClient, codec: ExportCodec<T>, documentType: string): TypedUserData<T> {
  return {
    client,
    deleteUserData: (request, overrides) => client.delete(request, overrides),
    exportUserData: async (request, overrides) => {
      const response = await client.export(request, overrides);
      if (response.documentType !== documentType) throw new Error(`export document type ${response.documentType}, expected ${documentType}`);
      return codec.fromJSON(JSON.parse(response.documentJson));
    },
    close: () => client.close(),
  };
}

/** A typed UserDataService client for the service at `address` whose gRPC service is `audience`. */
export function userDataClientFor<T>(address: string, audience: string, codec: ExportCodec<T>, documentType: string, options: Parameters<typeof createUserDataClient>[1] = {}): TypedUserData<T> {
  return typedUserData(createUserDataClient({ key: 'test', address, audience }, options), codec, documentType);
}
