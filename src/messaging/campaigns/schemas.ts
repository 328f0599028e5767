// Request and response shapes of the campaign routes (TypeBox: validation and OpenAPI).
import { Type } from '@sinclair/typebox';
import { nullable } from '../../http/schemas.js';

const Credits = Type.String({ description: 'Credits as a decimal string', examples: ['1', '0.045'] });

export const CampaignJsonBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    text: Type.String({
      maxLength: 40_000,
      description: 'May name {placeholders} from each recipient’s vars',
    }),
    from: Type.Optional(Type.String({ maxLength: 64 })),
    scheduleAt: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601, in the future' })),
    draft: Type.Optional(Type.Boolean({ description: 'true: stored, nothing reserved until POST …/start' })),
    recipients: Type.Array(
      Type.Object(
        {
          to: Type.String({ maxLength: 64 }),
          vars: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1_000 }))),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000, description: 'Larger lists: upload a CSV' },
    ),
  },
  { additionalProperties: false },
);

export const CountryEstimate = Type.Object({
  country: Type.String(),
  recipients: Type.Integer(),
  credits: Credits,
});

export const CampaignEstimate = Type.Object({
  credits: Type.String({ description: 'What all its messages cost' }),
  segments: Type.Integer({ description: 'SMS parts of all its messages together' }),
  byCountry: Type.Array(CountryEstimate),
  available: Type.String({ description: 'The account’s available credits now' }),
  shortfall: Type.String({
    description: 'Credits still to be reserved (waiting messages, a draft’s rows) beyond what is available',
  }),
});

export const InvalidRow = Type.Object({
  row: Type.Integer({
    description: 'As a spreadsheet numbers it (the header is row 1); JSON: position from 1',
  }),
  to: Type.String(),
  reason: Type.String(),
});

export const CampaignCreatedResponse = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('scheduled'), Type.Literal('running')]),
  recipients: Type.Integer({
    description: 'Messages the campaign has (refused rows and duplicates left out)',
  }),
  invalid: Type.Integer({ description: 'Rows refused' }),
  invalidRows: Type.Array(InvalidRow, { description: 'The first 100 refused rows; all: GET …/invalid' }),
  duplicates: Type.Integer({ description: 'Rows whose number came earlier in the campaign, left out' }),
  reserved: Type.Integer({ description: 'Messages whose credits are held (queued or scheduled)' }),
  waitingCredit: Type.Integer({ description: 'Messages waiting in the outbox for credit' }),
  estimate: CampaignEstimate,
});

const OutboxPart = Type.Object({ messages: Type.Integer(), credits: Type.String() });

const Counts = Type.Object({
  draft: Type.Integer({ description: 'Rows of a campaign not started yet' }),
  scheduled: Type.Integer(),
  queued: Type.Integer(),
  waiting_credit: Type.Integer(),
  sending: Type.Integer(),
  sent: Type.Integer(),
  delivered: Type.Integer(),
  failed: Type.Integer(),
  canceled: Type.Integer(),
});

export const CampaignResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  text: Type.String(),
  from: nullable(Type.String()),
  status: Type.String({ description: 'draft, scheduled, running, completed or canceled' }),
  scheduleAt: nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: nullable(Type.String()),
  recipients: Type.Integer(),
  invalid: Type.Integer(),
  duplicates: Type.Integer(),
  counts: Counts,
  estimate: CampaignEstimate,
  charged: Type.String({
    description: 'Credits charged for its messages so far: taken by a carrier and not refunded',
  }),
  outbox: Type.Object(
    {
      messages: Type.Integer(),
      reserved: OutboxPart,
      waitingCredit: OutboxPart,
    },
    {
      description:
        'Its messages not yet handed to a carrier, as DELETE …/outbox would take them: the credits held for the reserved ones are what it releases; waiting ones hold nothing',
    },
  ),
});

export const CampaignPage = Type.Object({
  data: Type.Array(CampaignResponse),
  nextCursor: nullable(Type.String()),
});

export const InvalidRowPage = Type.Object({
  data: Type.Array(InvalidRow),
  nextCursor: nullable(Type.String()),
});

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const CampaignIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
