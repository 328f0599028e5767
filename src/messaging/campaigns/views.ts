// How a campaign reads in the API: its counts per status, what it costs and what is missing.
import { formatCredits } from '../../ledger/amounts.js';
import { MESSAGE_STATUSES } from '../types.js';

export interface CountryEstimateView {
  country: string;
  recipients: number;
  credits: string;
}

export interface CampaignEstimateView {
  /** What all its messages cost. */
  credits: string;
  /** Segments of all its messages together. */
  segments: number;
  byCountry: CountryEstimateView[];
  /** The account's available credits now. */
  available: string;
  /** What is still to be reserved (waiting for credit, or a draft's rows) beyond what is available. */
  shortfall: string;
}

export function estimateView(
  totals: {
    credits: bigint;
    segments: bigint;
    byCountry: readonly { country: string; recipients: number; credits: bigint | string }[];
  },
  available: bigint,
  unreserved: bigint,
): CampaignEstimateView {
  const shortfall = unreserved > available ? unreserved - available : 0n;
  return {
    credits: formatCredits(totals.credits),
    segments: Number(totals.segments),
    byCountry: totals.byCountry.map((c) => ({
      country: c.country,
      recipients: c.recipients,
      credits: typeof c.credits === 'string' ? c.credits : formatCredits(c.credits),
    })),
    available: formatCredits(available < 0n ? 0n : available),
    shortfall: formatCredits(shortfall),
  };
}

export const CAMPAIGN_COUNT_KEYS = ['draft', ...MESSAGE_STATUSES] as const;

export type CampaignCounts = Record<(typeof CAMPAIGN_COUNT_KEYS)[number], number>;

export function emptyCounts(): CampaignCounts {
  return {
    draft: 0,
    scheduled: 0,
    queued: 0,
    waiting_credit: 0,
    sending: 0,
    sent: 0,
    delivered: 0,
    failed: 0,
    canceled: 0,
  };
}

/** A campaign's messages not yet handed to a carrier, in micro-credits while they are summed. */
export interface CampaignOutbox {
  /** Scheduled and queued (a reserved chunk's rows included): their credits are held. */
  reserved: { messages: bigint; credits: bigint };
  /** Waiting for credit: nothing held. */
  waitingCredit: { messages: bigint; credits: bigint };
}

export function emptyOutbox(): CampaignOutbox {
  return { reserved: { messages: 0n, credits: 0n }, waitingCredit: { messages: 0n, credits: 0n } };
}

export interface CampaignOutboxView {
  messages: number;
  reserved: { messages: number; credits: string };
  waitingCredit: { messages: number; credits: string };
}

/** What Remove outbox would take from the campaign: `reserved.credits` is what it releases. */
export function outboxView(outbox: CampaignOutbox): CampaignOutboxView {
  return {
    messages: Number(outbox.reserved.messages + outbox.waitingCredit.messages),
    reserved: {
      messages: Number(outbox.reserved.messages),
      credits: formatCredits(outbox.reserved.credits),
    },
    waitingCredit: {
      messages: Number(outbox.waitingCredit.messages),
      credits: formatCredits(outbox.waitingCredit.credits),
    },
  };
}

export interface CampaignView {
  id: string;
  name: string;
  text: string;
  from: string | null;
  /** draft, scheduled, running, completed (nothing left to send or settle) or canceled. */
  status: string;
  scheduleAt: string | null;
  createdAt: string;
  startedAt: string | null;
  recipients: number;
  invalid: number;
  duplicates: number;
  /** Messages per status; `draft` counts rows not yet made messages (a draft's recipients). */
  counts: CampaignCounts;
  estimate: CampaignEstimateView;
  /** Credits charged for its messages so far (taken by a carrier and not refunded). */
  charged: string;
  outbox: CampaignOutboxView;
}
