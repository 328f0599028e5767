// The addresses a webhook may reach when private addresses are refused.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { isPublicAddress, literalAddress } from '../../../src/messaging/webhooks/address.js';
import { checkedWebhookUrl } from '../../../src/messaging/webhooks/settings.js';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['100.63.255.255', true],
    ['100.128.0.0', true],
    ['172.15.255.255', true],
    ['172.32.0.0', true],
    ['2a00:1450:4001:80b::200e', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['100.64.0.1', false],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['169.254.169.254', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.0.10', false],
    ['198.18.0.1', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('literalAddress', () => {
  it('finds addresses written in URLs, with or without brackets', () => {
    expect(literalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(literalAddress('[::1]')).toBe('::1');
    expect(literalAddress('example.com')).toBeNull();
  });
});

describe('checkedWebhookUrl', () => {
  it('allows local addresses unless refused, and never a non-https URL elsewhere', () => {
    expect(checkedWebhookUrl('http://127.0.0.1:9000/hook')).toBe('http://127.0.0.1:9000/hook');
    expect(checkedWebhookUrl('https://10.0.0.1/hook')).toBe('https://10.0.0.1/hook');
    expect(() => checkedWebhookUrl('http://127.0.0.1:9000/hook', 'refuse')).toThrow();
    expect(() => checkedWebhookUrl('https://10.0.0.1/hook', 'refuse')).toThrow();
    expect(() => checkedWebhookUrl('https://localhost/hook', 'refuse')).toThrow();
    expect(checkedWebhookUrl('https://hooks.example.com/sms', 'refuse')).toBe(
      'https://hooks.example.com/sms',
    );
    expect(checkedWebhookUrl('https://8.8.8.8/sms', 'refuse')).toBe('https://8.8.8.8/sms');
  });
});

describe('WEBHOOK_PRIVATE_ADDRESSES', () => {
  it('refuses private addresses by default in production only, and accepts only allow or refuse', () => {
    expect(loadConfig({}).campaigns.webhookPrivateAddresses).toBe('allow');
    expect(loadConfig({ NODE_ENV: 'production' }).campaigns.webhookPrivateAddresses).toBe('refuse');
    expect(
      loadConfig({ NODE_ENV: 'production', WEBHOOK_PRIVATE_ADDRESSES: 'allow' }).campaigns
        .webhookPrivateAddresses,
    ).toBe('allow');
    expect(() => loadConfig({ WEBHOOK_PRIVATE_ADDRESSES: 'maybe' })).toThrow(ConfigError);
  });
});
