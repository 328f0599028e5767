// Request and response shapes of the messaging routes (TypeBox: validation and OpenAPI).
import { Type } from '@sinclair/typebox';
import { nullable } from '../http/schemas.js';
import { MESSAGE_STATUSES } from './types.js';

const Credits = Type.String({ description: 'Credits as a decimal string', examples: ['1', '0.045'] });
const Status = Type.Union(MESSAGE_STATUSES.map((s) => Type.Literal(s)));
const Encoding = Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2'), Type.Literal('Latin-1')], {
  description: 'GSM-7 or, for carriers that take it, Latin-1; UCS-2 for any other text',
});

export const SendBody = Type.Object(
  {
    to: Type.String({
      maxLength: 64,
      description: 'E.164 (+34612345678), or national in your default country',
    }),
    text: Type.String({ maxLength: 40_000 }),
    from: Type.Optional(
      Type.String({ maxLength: 64, description: 'Up to 11 letters and digits, or a number' }),
    ),
    scheduleAt: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601, in the future' })),
    reference: Type.Optional(Type.String({ maxLength: 1_000, description: 'Yours, up to 100 characters' })),
    onInsufficientCredit: Type.Optional(
      Type.Union([Type.Literal('reject'), Type.Literal('queue')], {
        description: 'reject (default): 402 and nothing stored; queue: the message waits in the outbox',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SendResponse = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('queued'), Type.Literal('waiting_credit')]),
  to: Type.String(),
  country: Type.String(),
  encoding: Encoding,
  segments: Type.Integer(),
  credits: Credits,
});

export const MessageResponse = Type.Object({
  id: Type.String(),
  status: Status,
  to: Type.String(),
  country: Type.String(),
  from: nullable(Type.String()),
  text: Type.String(),
  encoding: Encoding,
  segments: Type.Integer(),
  price: Type.Object({ creditsPerSegment: Credits, prefix: nullable(Type.String()) }),
  credits: Type.String({ description: 'What it costs: segments × the price used' }),
  charged: Type.String({
    description:
      'What it has been charged: its credits once a carrier took it; 0 while held or waiting, and when canceled, released or refunded',
  }),
  campaignId: nullable(Type.String()),
  reference: nullable(Type.String()),
  scheduleAt: nullable(Type.String()),
  attempts: Type.Integer(),
  carrier: nullable(Type.String()),
  error: nullable(Type.String()),
  refunded: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const MessageDetailResponse = Type.Composite([
  MessageResponse,
  Type.Object({
    history: Type.Array(Type.Object({ status: Status, at: Type.String(), detail: nullable(Type.String()) })),
  }),
]);

export const ListQuery = Type.Object({
  status: Type.Optional(Status),
  campaignId: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const MessagePage = Type.Object({
  data: Type.Array(MessageResponse),
  nextCursor: nullable(Type.String()),
});

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const Part = Type.Object({ messages: Type.Integer(), credits: Credits });

export const OutboxResponse = Type.Object({
  messages: Type.Integer(),
  credits: Type.String({ description: 'What its holds reserve plus what the waiting messages would cost' }),
  reserved: Part,
  waitingCredit: Part,
  byCampaign: Type.Array(
    Type.Object({
      campaignId: Type.String(),
      name: Type.String(),
      messages: Type.Integer(),
      credits: Credits,
      reserved: Part,
      waitingCredit: Part,
    }),
  ),
});

export const RemoveOutboxResponse = Type.Object({ canceled: Type.Integer(), releasedCredits: Credits });
