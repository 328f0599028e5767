// The HTTP application: request ids, JSON logs, the error shape, validation, OpenAPI, and the
// routes of every domain. Knows nothing about domains beyond the list it is given.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { AppContext } from '../context.js';
import { requestLogContext } from '../logger.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { AppError, databaseUnavailable, errorBody, validationFailed } from './errors.js';
import { clientErrorHandler, frameworkErrors, guardEdge } from './edge.js';
import { instrumentHttp } from './metrics.js';
import { randomBase64url } from './random-pool.js';
import { fieldProblems, validatorCompiler } from './validation.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A domain's routes. Customer routes live under /api/v1. */
export type RouteModule = (app: App, ctx: AppContext) => void | Promise<void>;

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const SECRET_QUERY = /([?&](?:token|key|code|password|secret|api_key)=)[^&]*/gi;

export function newRequestId(): string {
  return `req_${randomBase64url(9)}`;
}

export async function buildApp(ctx: AppContext, modules: RouteModule[]): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
    },
    // One line per request, when it is answered (below), instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // No child logger per request: the logger's mixin adds the request's ids (and its account's,
    // once known) to every line from the request context below, whoever writes it.
    childLoggerFactory: (logger) => logger,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 1024 * 1024,
    // The edge answers requests that arrive while closing, in our error shape.
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    requestLogContext.run({ requestId: req.id }, done);
  });
  guardEdge(app);
  if (ctx.config.ops.metrics.enabled) instrumentHttp(app);
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info(
      {
        method: req.method,
        url: req.url.replace(SECRET_QUERY, '$1[redacted]'),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });

  app.setErrorHandler((error: FastifyError | AppError | Error, req, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal') req.log.error({ err: error }, 'request failed');
    else if (appError.status >= 400) req.log.info({ code: appError.code }, appError.message);
    for (const [name, value] of Object.entries(appError.headers)) reply.header(name, value);
    return reply.status(appError.status).send(errorBody(appError, req.id));
  });
  app.setNotFoundHandler((req, reply) => {
    const error = new AppError(
      'not_found',
      `No route ${req.method} ${req.url.replace(SECRET_QUERY, '$1…').split('?')[0]}`,
    );
    return reply.status(404).send(errorBody(error, req.id));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tollgate API',
        version: ctx.version,
        description: 'Prepaid-credit SMS gateway. Credits are decimal strings; money is integer minor units.',
      },
      servers: [{ url: ctx.config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key from POST /api/v1/api-keys. A route lists the scope it needs: read (every key), ' +
              'send, or billing (a key of that scope or full), or full.',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'tollgate_session' },
          mailboxCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'tollgate_mailbox',
            description: 'Default mode: set by the sign-up answer; reads that sign-up’s verification e-mail',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const register of modules) await register(app, ctx);
  return app;
}

/** Maps anything thrown in a request to the public error vocabulary. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  const e = error as Partial<FastifyError> & { validationContext?: string };
  if (e.validation) return validationFailed(fieldProblems(e.validation, e.validationContext ?? 'body'));
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is larger than allowed');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return validationFailed([{ path: 'body', message: 'is required' }], 'The request body is empty');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'unsupported_media_type',
        'Unsupported Content-Type: send application/json (or the upload type the route names)',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return validationFailed([{ path: 'body', message: 'does not match Content-Length' }]);
  }
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e.statusCode === 400 && error instanceof SyntaxError)) {
    return validationFailed(
      [{ path: 'body', message: 'is not valid JSON' }],
      'The request body is not valid JSON',
    );
  }
  // Other client errors raised by the framework or a plugin, by their status.
  switch (e.statusCode) {
    case 400:
      return validationFailed([{ path: 'body', message: 'is malformed' }], 'The request is malformed');
    case 415:
      return new AppError('unsupported_media_type', 'Unsupported Content-Type');
    case 404:
      return new AppError('not_found', 'No such object');
    case 413:
      return new AppError('payload_too_large', 'The request body is larger than allowed');
    case 414:
      return new AppError('uri_too_long', 'The request line is longer than allowed');
    case 429:
      return new AppError('rate_limited', 'Too many requests; try again later');
    case 431:
      return new AppError('headers_too_large', 'The request headers are larger than allowed');
  }
  // Any other client error of the framework or a plugin (a range not satisfiable, a method not
  // allowed…): a malformed request, in our shape.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return validationFailed([{ path: 'request', message: 'is malformed' }], 'The request is malformed');
  }
  return new AppError(
    'internal',
    'Something went wrong on our side; the request id identifies it in our logs',
  );
}
