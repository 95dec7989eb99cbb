/**
 * What a sync runs on: the catalog and state, parsed and checked before connecting. Planning
 * takes the catalog, and nothing holds it after: the plans are all the run needs, and for
 * thousands of streams the parsed file is tens of MB.
 */
import type { SingerCatalog } from '../catalog/types';
import type { TapState } from '../state/types';

export interface SyncInput {
  /** The catalog, once; a second call throws. */
  takeCatalog(): SingerCatalog;
  state: TapState;
}

export function syncInput(catalog: SingerCatalog, state: TapState): SyncInput {
  let held: SingerCatalog | undefined = catalog;
  return {
    state,
    takeCatalog() {
      if (held === undefined) throw new Error('the catalog of this sync was taken already');
      const taken = held;
      held = undefined;
      return taken;
    },
  };
}
