import { StoredInstrumentsClient } from '../bigcommerce/stored-instruments';
import { StoredInstrumentsFamilyAdapter } from '../families/stored-instruments';
import { type FamilyAdapterFactory, byFamily } from '../rotator/families';
import { rotatorFunction } from '../rotator/handler';

export const families: FamilyAdapterFactory = (http, endpoints) =>
  byFamily([new StoredInstrumentsFamilyAdapter(new StoredInstrumentsClient(http, endpoints))]);

/** Rotates payments stored-instruments access tokens; `createHandler` is for local runs. */
export const { handler, createHandler } = rotatorFunction('payments', families);
