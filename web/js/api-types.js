// @ts-check
// The shapes of the API's answers the portal reads (API.md and /api/openapi.json), as JSDoc
// types for the checked pages: `/** @type {Account} */ (await api.get('/account'))`. Types
// only: this module exports nothing at run time.

/** @typedef {{ credits: string, held: string, available: string }} Balance */

/**
 * @typedef {object} Preferences
 * @property {string | null} country
 * @property {string} currency
 * @property {string} timezone
 * @property {'en' | 'es'} language
 */

/**
 * @typedef {object} Billing
 * @property {string} legalName
 * @property {string} invoiceEmail
 * @property {string} mobile
 * @property {{ line1?: string, city?: string, postalCode?: string, country?: string }} [address]
 */

/**
 * @typedef {object} Account
 * @property {string} id
 * @property {string} name
 * @property {'pending_verification' | 'active' | 'suspended'} status
 * @property {string} [email]
 * @property {boolean} [emailVerified]
 * @property {Balance} balance
 * @property {Billing | null} billing
 * @property {boolean} [billingComplete]
 * @property {string | null} [mobile]
 * @property {boolean} mobileVerified
 * @property {boolean} [canPurchase]
 * @property {boolean} [canSend]
 * @property {Preferences} preferences
 * @property {'staff' | 'mobile'} [verification]
 */

/**
 * @typedef {object} User
 * @property {string} id
 * @property {string} email
 * @property {string} name
 * @property {'owner' | 'admin'} role
 * @property {boolean} [emailVerified]
 */

/**
 * POST /auth/login answers the session, or (202) a two-factor challenge to answer first.
 * @typedef {{ challenge: string, expiresAt: string, enrolment: unknown }} TwoFactorChallenge
 * @typedef {{ user: User, account: Account | null, csrfToken: string | null, twoFactor?: TwoFactorChallenge }} SessionAnswer
 */

/** @typedef {{ status: string, database?: string, version?: string, sandbox?: boolean, mailbox?: boolean }} Health */

/**
 * @template T
 * @typedef {{ data: T[], nextCursor: string | null }} Page
 */

/**
 * @typedef {'scheduled' | 'queued' | 'waiting_credit' | 'sending' | 'sent' | 'delivered' | 'failed' | 'canceled'} MessageStatus
 */

/**
 * @typedef {object} Message
 * @property {string} id
 * @property {MessageStatus} status
 * @property {string} to
 * @property {string} country
 * @property {string | null} from
 * @property {string} text
 * @property {'GSM-7' | 'UCS-2'} encoding
 * @property {number} segments
 * @property {{ creditsPerSegment: string, prefix: string | null }} price
 * @property {string} credits
 * @property {string} [charged]
 * @property {string | null} campaignId
 * @property {string | null} reference
 * @property {string | null} scheduleAt
 * @property {number} attempts
 * @property {string | null} carrier
 * @property {string | null} error
 * @property {boolean} refunded
 * @property {string} createdAt
 * @property {{ status: MessageStatus, at: string, detail: string | null }[]} [history]
 */

/** @typedef {{ id: string, status: MessageStatus, to: string, country: string, encoding: string, segments: number, credits: string }} Sent */

/** @typedef {{ country: string, recipients: number, credits: string }} CountryCost */

/**
 * What a send or a campaign costs (POST /messages/estimate, a campaign's estimate).
 * @typedef {object} Estimate
 * @property {number} [recipients]
 * @property {{ to: string, reason: string, row?: number }[]} [invalid]
 * @property {number} [invalidCount]
 * @property {string} [encoding]
 * @property {number} [segments]
 * @property {string} credits
 * @property {CountryCost[]} [byCountry]
 * @property {string} available
 * @property {string} shortfall
 * @property {boolean} [local]
 */

/** @typedef {{ messages: number, credits: string }} OutboxPart */

/**
 * @typedef {object} Campaign
 * @property {string} id
 * @property {string} name
 * @property {string} text
 * @property {string | null} from
 * @property {'draft' | 'scheduled' | 'running' | 'completed' | 'canceled'} status
 * @property {string | null} scheduleAt
 * @property {string} createdAt
 * @property {string | null} startedAt
 * @property {number} recipients
 * @property {number} invalid
 * @property {number} duplicates
 * @property {Record<string, number>} counts
 * @property {Estimate} estimate
 * @property {string} [charged]
 * @property {{ messages: number, reserved: OutboxPart, waitingCredit: OutboxPart }} [outbox]
 */

/**
 * @typedef {object} CampaignCreated
 * @property {string} id
 * @property {string} status
 * @property {number} recipients
 * @property {number} invalid
 * @property {number} [duplicates]
 * @property {number} [waitingCredit]
 */

/**
 * @typedef {object} OutboxCampaign
 * @property {string} campaignId
 * @property {string} name
 * @property {number} messages
 * @property {string} credits
 * @property {OutboxPart} [reserved]
 * @property {OutboxPart} [waitingCredit]
 */

/**
 * @typedef {object} Outbox
 * @property {number} messages
 * @property {string} credits
 * @property {OutboxPart} reserved
 * @property {OutboxPart} waitingCredit
 * @property {OutboxCampaign[]} byCampaign
 */

/** @typedef {{ canceled: number, releasedCredits: string }} Removed */

/**
 * @typedef {object} UsageBucket
 * @property {string} at
 * @property {string} creditsSpent
 * @property {{ delivered: number, failed: number, canceled: number, sent: number, pending?: number }} messages
 */

/**
 * @typedef {object} Transaction
 * @property {string} id
 * @property {string} at
 * @property {string} type
 * @property {string} credits
 * @property {string} balanceAfter
 * @property {string | null} reference
 * @property {string | null} description
 * @property {number} [count]
 * @property {TransactionGroup | null} [group]
 * @property {TransactionPurchase | null} [purchase]
 * @property {string | null} [detail] the API address of the movements a grouped row folds
 */

/**
 * A grouped row of GET /transactions?group=campaign_day: one campaign's messages (or the single
 * sends) of one day of the account's calendar.
 * @typedef {object} TransactionGroup
 * @property {string} day
 * @property {string} from
 * @property {string} to
 * @property {number} count
 * @property {string | null} campaignId
 * @property {string | null} campaignName
 */

/**
 * The purchase behind a purchase movement (or a refund of one).
 * @typedef {object} TransactionPurchase
 * @property {string} id
 * @property {string} credits
 * @property {boolean} pack
 * @property {'card' | 'bank_transfer'} paymentMethod
 * @property {string | null} cardLast4
 * @property {string | null} source
 */

export {};
