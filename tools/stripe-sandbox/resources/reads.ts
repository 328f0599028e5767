// Read-only resources: SetupIntents (made by Checkout in setup mode), charges and events.
import { LIST_PARAMS, listObject } from '../list.js';
import { Params } from '../params.js';
import { type ApiRoute, respond } from './call.js';

export const readRoutes: ApiRoute[] = [
  {
    method: 'GET',
    pattern: '/v1/setup_intents/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, ['client_secret']);
      return respond(core, core.store.setupIntent(path.get('id')), p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/charges/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      return respond(core, core.store.charge(path.get('id')), p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/events/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      return respond(core, core.store.event(path.get('id')), p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/events',
    handler: ({ core, params }) => {
      const p = Params.of(params, ['type', ...LIST_PARAMS]);
      const type = p.string('type');
      const events = [...core.store.events.values()].filter(
        (event) => type === undefined || event.type === type || matchesWildcard(type, event.type),
      );
      return listObject('/v1/events', events.reverse(), p, core.store);
    },
  },
];

/** Stripe's `type=payment_intent.*` filter. */
function matchesWildcard(pattern: string, type: string): boolean {
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}
