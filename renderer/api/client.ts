import type { MethodInput, MethodResult, MethodTable } from '../../shared/api/contract';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import { groupMethods, type ApiMethod } from '../../shared/api/methods';
import type { Transport } from './transport';

/** The typed API for stores: `api().orgs.create(input)` resolves to the result or throws FerryError. */
export type ApiClient = MethodTable<'value'> & {
  transport: Transport['kind'];
  subscribe(listener: (event: PushEvent) => void): () => void;
  onLink: Transport['onLink'];
};

export function createClient(transport: Transport): ApiClient {
  const call = async <M extends ApiMethod>(
    method: M,
    input?: MethodInput<M>,
  ): Promise<MethodResult<M>> => {
    const envelope = await transport.call(method, input);
    if (!envelope.ok) throw FerryError.fromBody(envelope.error);
    return envelope.value as MethodResult<M>;
  };
  const groups = groupMethods((method) => (input?: unknown) => call(method, input as never));
  return {
    ...(groups as unknown as MethodTable<'value'>),
    transport: transport.kind,
    subscribe: (listener) => transport.subscribe(listener),
    onLink: (listener) => transport.onLink(listener),
  };
}

let current: ApiClient | null = null;

/** Set once at start (or per test); only store actions call `api()`. */
export function setApiClient(client: ApiClient | null): void {
  current = client;
}

export function api(): ApiClient {
  if (!current) throw new Error('The API client is not set up yet');
  return current;
}
