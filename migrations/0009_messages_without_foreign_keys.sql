-- Messages without foreign keys, for the same reason as ledger transfers: every single send
-- and every campaign chunk inserts message rows, and the two per-row checks (account and
-- campaign) cost about a tenth of a million-message campaign's reservation. Accounts are never
-- deleted, and a campaign is deleted only while it is a draft, under its row lock, after
-- checking it has no messages (src/messaging/campaigns/delete-campaign.ts); messages are
-- inserted only for the caller's own account, and for campaigns that have started.
alter table messages drop constraint messages_account_id_fkey;
alter table messages drop constraint messages_campaign_id_fkey;
