// What a movement is, in words a customer reads: "10,000 credits — pack, card ending 4242"
// rather than "10000 credits bought (pack-10000)". The ledger keeps the description written at
// the time (immutable); the list reads the purchase behind a purchase or refund and says it
// again from its columns, so old rows read as well as new ones. The portal builds its own words
// (in the reader's language) from the same structured fields; this English text is the API's.

/** The purchase behind a `purchase` movement, or the one a `refund` gives credits back from. */
export interface PurchaseFacts {
  id: string;
  /** Whole credits, as a decimal string. */
  credits: string;
  /** Bought as one of the price list's packs, rather than a number of credits of one's choice. */
  pack: boolean;
  paymentMethod: 'card' | 'bank_transfer';
  cardLast4: string | null;
  /** How it was made: portal, api, or auto_refill (an automatic refill); null when not recorded. */
  source: string | null;
}

/** The messages a grouped row folds together: one campaign's (or the single sends) of one day. */
export interface GroupFacts {
  /** The account's calendar day (its time zone), YYYY-MM-DD. */
  day: string;
  /** Where that day starts and ends (UTC instants). */
  from: string;
  to: string;
  count: number;
  /** null: single sends (messages that belong to no campaign). */
  campaignId: string | null;
  campaignName: string | null;
}

const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 6 });

/** "10000" → "10,000"; "12.5" → "12.5"; signs are the caller's. */
export function groupDigits(credits: string): string {
  const [int = '0', fraction] = credits.replace(/^-/, '').split('.');
  const grouped = whole.format(BigInt(int));
  return fraction ? `${grouped}.${fraction}` : grouped;
}

export function paymentWords(p: PurchaseFacts): string {
  const how =
    p.paymentMethod === 'bank_transfer'
      ? 'bank transfer'
      : p.cardLast4
        ? `card ending ${p.cardLast4}`
        : 'card';
  const what = [p.source === 'auto_refill' ? 'automatic refill' : null, p.pack ? 'pack' : null]
    .filter(Boolean)
    .join(', ');
  return what ? `${what}, ${how}` : how;
}

export function purchaseDescription(p: PurchaseFacts): string {
  return `${groupDigits(p.credits)} credits — ${paymentWords(p)}`;
}

export function refundDescription(amount: string, p: PurchaseFacts): string {
  return `${groupDigits(amount)} unused credits refunded — of ${groupDigits(p.credits)} bought by ${paymentWords(p)}`;
}

export function groupDescription(type: 'consumption' | 'refund', g: GroupFacts): string {
  const messages = `${groupDigits(String(g.count))} ${g.count === 1 ? 'message' : 'messages'}`;
  const whose = g.campaignId ? `campaign “${g.campaignName ?? g.campaignId}”` : 'single messages';
  return type === 'refund'
    ? `Refunded, not delivered: ${messages} — ${whose}`
    : `${whose.charAt(0).toUpperCase()}${whose.slice(1)} — ${messages}`;
}
